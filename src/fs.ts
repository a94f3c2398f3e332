/**
 * Filesystem (`src/fs.lisp`, `src/fsevent.lisp`): `mkdtemp` and directory watching.
 *
 * cl-async's `event-cb` defaults to `#'error` here: with no `eventCb`, a failure is thrown
 * from the loop like an uncaught callback error. A request that cannot start (a missing path
 * to watch, a template without `XXXXXX`) throws at the call.
 */
import fs from 'node:fs';
import os from 'node:os';
import { FilesystemEacces, FilesystemEnoent, FilesystemEperm, FilesystemError } from './errors';
import { currentLoop, EventCb, EventLoop } from './event-loop';
import { LoopHandle, PendingOperation } from './handle';
import { signalEvent } from './signal-event';

export interface FsOptions {
  /** Receives the `FilesystemError`; by default it is thrown (cl-async's `#'error`). */
  eventCb?: EventCb | null;
}

/** `cb(monitor, path, renamed, changed)`; `path` names the entry that changed, null when Node cannot tell. */
export type FsWatchCb = (monitor: FsMonitor, path: string | null, renamed: boolean, changed: boolean) => void;

const conditionByCode: Record<string, typeof FilesystemError> = {
  ENOENT: FilesystemEnoent,
  EACCES: FilesystemEacces,
  EPERM: FilesystemEperm,
};

/** The condition for a failed fs call: `FilesystemEnoent`/`Eacces`/`Eperm` by errno, else `FilesystemError`. */
export function filesystemError(err: NodeJS.ErrnoException, path?: string): FilesystemError {
  const Condition = (err.code !== undefined && conditionByCode[err.code]) || FilesystemError;
  return new Condition({ code: err.code, errcode: err.errno, errmsg: err.message, cause: err, path: path ?? err.path });
}

/**
 * Create a unique directory from `template` (ending in `XXXXXX`) and call `cb(directory)`.
 */
export function mkdtemp(template: string, cb: (directory: string) => void, options: FsOptions = {}): void {
  const loop = currentLoop();
  const eventCb = options.eventCb ?? signalEvent;
  if (!template.endsWith('XXXXXX')) {
    const errmsg = `mkdtemp: template must end in XXXXXX: ${template}`;
    throw new FilesystemError({ code: 'EINVAL', errcode: -os.constants.errno.EINVAL, errmsg, path: template });
  }
  // Node's mkdtemp appends the six random characters itself. It never answers synchronously,
  // so the request is tracked once it has started.
  fs.mkdtemp(template.slice(0, -6), (err, directory) => {
    if (request.closed) return;
    request.close();
    if (err) loop.deliver(eventCb, filesystemError(err, template));
    else loop.invoke(eventCb, cb, directory);
  });
  const request = new PendingOperation(loop, 'fs');
}

/**
 * cl-async's `fs-monitor`: a directory or file watch. It keeps the loop alive until
 * `fsUnwatch` or `fsMonitorClose`.
 */
export class FsMonitor extends LoopHandle {
  readonly kind = 'fs-event';
  private watcher: fs.FSWatcher | undefined;

  constructor(
    loop: EventLoop,
    readonly path: string,
    watcher: fs.FSWatcher,
    callback: FsWatchCb,
    eventCb: EventCb,
  ) {
    super(loop);
    this.watcher = watcher;
    watcher.on('change', (event: string, filename: string | null) => {
      loop.invoke(eventCb, callback, this, filename, event === 'rename', event === 'change');
    });
    watcher.on('error', (err: NodeJS.ErrnoException) => {
      // Node has already closed the watcher; drop the handle too so the loop can finish.
      this.close();
      loop.deliver(eventCb, filesystemError(err, path));
    });
  }

  /** True until `fsUnwatch` or `fsMonitorClose` (or a watch error). */
  get watching(): boolean {
    return this.watcher !== undefined;
  }

  /** Stop reporting; the monitor stays open but no longer keeps the loop alive. */
  unwatch(): void {
    this.stop();
    this.loop._setActive(this, false);
  }

  protected release(): void {
    this.stop();
  }

  protected override nodeRef(refed: boolean): void {
    if (refed) this.watcher?.ref();
    else this.watcher?.unref();
  }

  private stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}

/**
 * Watch `path` (a directory or a file): `callback(monitor, path, renamed, changed)` per change.
 * A path that cannot be watched throws its `FilesystemError` at the call.
 */
export function fsWatch(path: string, callback: FsWatchCb, options: FsOptions = {}): FsMonitor {
  const loop = currentLoop();
  let watcher: fs.FSWatcher;
  try {
    // cl-async asks libuv for recursive watches where the platform has them natively.
    watcher = fs.watch(path, { recursive: process.platform === 'darwin' || process.platform === 'win32' });
  } catch (err) {
    throw filesystemError(err as NodeJS.ErrnoException, path);
  }
  return new FsMonitor(loop, path, watcher, callback, options.eventCb ?? signalEvent);
}

/** `fs-unwatch`: stop reporting changes (idempotent). */
export function fsUnwatch(monitor: FsMonitor): void {
  monitor.unwatch();
}

/** `fs-monitor-close`: stop and close the monitor (idempotent). */
export function fsMonitorClose(monitor: FsMonitor): void {
  monitor.close();
}
