/**
 * The event-loop facade. Node has one implicit loop; cl-async code expects
 * `startEventLoop` to run until nothing is left. Each `EventLoop` here is a *tracker*: every
 * handle a cl-async call creates registers with the loop of the current async context
 * (AsyncLocalStorage), and the loop's Future finishes when no handle is both active and
 * referenced, or when `exitEventLoop` is called.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventLoopAlreadyStarted, EventLoopNotRunning } from './errors';
import { Future, finish, makeFuture, signalError } from './future/future';
import { LoopHandle, PendingOperation } from './handle';

/** Receives a condition (a socket's EOF, a timeout…) or, with catching on, an app error. */
export type EventCb = (condition: any) => void;

export interface EventLoopOptions {
  /**
   * false (default): an error thrown by a callback tears the loop down and rejects its Future.
   * true or a function: the error goes to the operation's `eventCb` (when
   * `sendErrorsToEventCb`), else to this function, else to `defaultEventCb`, else it is logged;
   * the loop goes on.
   */
  catchAppErrors?: boolean | ((err: unknown) => void);
  /** Route caught app errors to the operation's `eventCb` first (default true). */
  sendErrorsToEventCb?: boolean;
  /** 2012 form: receives caught app errors, and events of operations without an `eventCb`. */
  defaultEventCb?: EventCb;
}

export interface EventLoopStats {
  openDnsQueries: number;
  fnRegistryCount: number;
  dataRegistryCount: number;
  incomingTcpConnections: number;
  outgoingTcpConnections: number;
  incomingHttpConnections: number;
  outgoingHttpConnections: number;
}

/** Connection and query counters that modules keep up to date. */
export interface LoopCounters {
  openDnsQueries: number;
  incomingTcpConnections: number;
  outgoingTcpConnections: number;
  incomingHttpConnections: number;
  outgoingHttpConnections: number;
}

type LoopState = 'running' | 'exiting' | 'finished';

/** Work to run after the current callback (`EventLoop#_defer`). @internal */
export interface DeferredTask {
  _runDeferred(): void;
}

function runDeferredTask(task: DeferredTask): void {
  task._runDeferred();
}

function reinvoke(loop: EventLoop, args: IArguments): void {
  Reflect.apply(loop.invoke, loop, args);
}

const storage = new AsyncLocalStorage<EventLoop>();
let nextLoopId = 1;

export class EventLoop {
  readonly id = nextLoopId++;
  readonly future: Future<void>;
  readonly counters: LoopCounters = {
    openDnsQueries: 0,
    incomingTcpConnections: 0,
    outgoingTcpConnections: 0,
    incomingHttpConnections: 0,
    outgoingHttpConnections: 0,
  };
  /** Per-loop state other modules hang on the loop (signal table, connection pool…). */
  readonly slots = new Map<symbol, unknown>();

  private state: LoopState = 'running';
  /** Callbacks running now (`invoke` nests). */
  private depth = 0;
  private readonly deferred: Array<DeferredTask | null> = [];
  private deferredCount = 0;
  /** Every handle not yet closed, oldest first: an intrusive list through the handles. */
  private first: LoopHandle | null = null;
  private last: LoopHandle | null = null;
  private handleCount = 0;
  /** Handles that are active and referenced: the loop lives while this is above zero. */
  private alive = 0;
  private readonly exitCallbacks: Array<() => void> = [];
  private checkScheduled = false;
  private failed = false;
  private failure: unknown;
  private readonly catchAppErrors: boolean | ((err: unknown) => void);
  private readonly sendErrorsToEventCb: boolean;
  private readonly defaultEventCb: EventCb | undefined;

  constructor(options: EventLoopOptions = {}) {
    this.catchAppErrors = options.catchAppErrors ?? false;
    this.sendErrorsToEventCb = options.sendErrorsToEventCb ?? true;
    this.defaultEventCb = options.defaultEventCb;
    this.future = makeFuture<void>();
  }

  get running(): boolean {
    return this.state !== 'finished';
  }

  /** Run `fn` inside this loop's context (cl-async calls inside it find this loop). */
  enter<R>(fn: () => R): R {
    return storage.getStore() === this ? fn() : storage.run(this, fn);
  }

  /**
   * Call a user callback in this loop's context, with the arguments given (at most four). A
   * throw is an application error: it never escapes into Node (where it would kill the
   * process). When the outermost callback returns, the work deferred during it runs
   * (`_defer`).
   */
  invoke(eventCb: EventCb | null | undefined, fn: (...args: any[]) => unknown, ...args: [a?: unknown, b?: unknown, c?: unknown, d?: unknown]): void;
  invoke(eventCb: EventCb | null | undefined, fn: (...args: unknown[]) => unknown, a?: unknown, b?: unknown, c?: unknown, d?: unknown): void {
    if (storage.getStore() !== this) storage.run(this, reinvoke, this, arguments);
    else this.call(eventCb, fn, arguments.length - 2, a, b, c, d);
  }

  /**
   * `invoke` for a callback of a Node handle that only this loop uses (a socket's reads). Node
   * makes an accepted connection's handle before it enters the server's context; instead of
   * a `run` per read, the handle gets the loop's context for good on its first. @internal
   */
  _invokeOwned(eventCb: EventCb | null | undefined, fn: (a: any, b: any) => unknown, a: unknown, b: unknown): void {
    if (storage.getStore() !== this) storage.enterWith(this);
    this.call(eventCb, fn, 2, a, b);
  }

  /** No rest array: this runs for every read and every timer. */
  private call(eventCb: EventCb | null | undefined, fn: (...args: unknown[]) => unknown, argc: number, a?: unknown, b?: unknown, c?: unknown, d?: unknown): void {
    this.depth++;
    try {
      // The callback gets exactly the arguments given (a `(...args)` callback sees no padding).
      if (argc === 0) fn();
      else if (argc === 1) fn(a);
      else if (argc === 2) fn(a, b);
      else if (argc === 3) fn(a, b, c);
      else fn(a, b, c, d);
    } catch (err) {
      this.appError(err, eventCb);
    } finally {
      if (--this.depth === 0 && this.deferredCount > 0) this.runDeferred();
    }
  }

  /**
   * Run `task` once the callback running now returns (the outermost one), or on the next tick
   * outside callbacks: how writes of one callback leave together, with no tick object per
   * write. @internal
   */
  _defer(task: DeferredTask): void {
    if (this.depth > 0) this.deferred[this.deferredCount++] = task;
    else process.nextTick(runDeferredTask, task);
  }

  private runDeferred(): void {
    const deferred = this.deferred;
    // Tasks deferred while these run (a nested callback) join this pass. The array keeps
    // its slots: emptying it would regrow it for every callback. A task that throws must not
    // keep the ones after it from running (their sockets would stay corked).
    this.depth++;
    for (let i = 0; i < this.deferredCount; i++) {
      const task = deferred[i]!;
      deferred[i] = null;
      try {
        task._runDeferred();
      } catch (err) {
        this.appError(err, null);
      }
    }
    this.deferredCount = 0;
    this.depth--;
  }

  /**
   * Hand a condition to an operation's `eventCb` (or the loop's `defaultEventCb`). An error
   * thrown by the `eventCb` is never fed back to it.
   */
  deliver(eventCb: EventCb | null | undefined, condition: unknown): void {
    const cb = eventCb ?? this.defaultEventCb;
    if (cb) this.invoke(null, cb, condition);
  }

  /** An error thrown by a user callback, routed as `catchAppErrors` says. */
  appError(err: unknown, eventCb: EventCb | null | undefined): void {
    const catching = this.catchAppErrors;
    if (this.state === 'finished') {
      reportError(err);
    } else if (catching === false) {
      this.fail(err);
    } else if (eventCb && this.sendErrorsToEventCb) {
      this.invoke(null, eventCb, err);
    } else if (typeof catching === 'function') {
      this.guard(catching, err);
    } else if (this.defaultEventCb) {
      this.guard(this.defaultEventCb, err);
    } else {
      reportError(err);
    }
  }

  /** Run a last-resort error handler; if it throws too, nothing is left but ending the loop. */
  private guard(handler: (err: unknown) => void, err: unknown): void {
    try {
      handler(err);
    } catch (again) {
      this.fail(again);
    }
  }

  addExitCallback(fn: () => void): void {
    this.exitCallbacks.push(fn);
  }

  stats(): EventLoopStats {
    return {
      ...this.counters,
      // One callback entry per live handle plus the loop's own (cl-async's registries).
      fnRegistryCount: this.handleCount + 1,
      dataRegistryCount: this.handleCount,
    };
  }

  dump(): string {
    const lines: string[] = [];
    for (const h of this.handles()) {
      const flags = (h._active ? '' : ' inactive') + (h._refed ? '' : ' unref');
      lines.push(`handle: ${h.kind} (#${h.handleId})${flags}`);
    }
    return lines.join('\n');
  }

  /** Stop now: close every handle (no pending timer runs), run exit callbacks, finish. */
  exit(): void {
    if (this.state !== 'running') return;
    this.state = 'exiting';
    this.runExitCallbacks();
    this.closeAll();
    // Finish after the current callback returns, as uv_stop ends the current iteration.
    setImmediate(() => this.settle());
  }

  /** Tear the loop down with an error that nobody caught. */
  fail(err: unknown): void {
    if (!this.failed) {
      this.failed = true;
      this.failure = err;
    }
    this.exit();
  }

  // -- handle bookkeeping (called by LoopHandle) ---------------------------------------

  /** @internal */
  _track(h: LoopHandle): void {
    h._prev = this.last;
    if (this.last === null) this.first = h;
    else this.last._next = h;
    this.last = h;
    this.handleCount++;
    if (h._active && h._refed) this.alive++;
  }

  /** @internal */
  _untrack(h: LoopHandle): void {
    if (!this.tracks(h)) return;
    const { _prev: prev, _next: next } = h;
    if (prev === null) this.first = next;
    else prev._next = next;
    if (next === null) this.last = prev;
    else next._prev = prev;
    h._prev = h._next = null;
    this.handleCount--;
    if (h._active && h._refed) this.lessAlive();
  }

  private tracks(h: LoopHandle): boolean {
    return h._prev !== null || this.first === h;
  }

  private handles(): LoopHandle[] {
    const all: LoopHandle[] = [];
    for (let h = this.first; h !== null; h = h._next) all.push(h);
    return all;
  }

  /** @internal */
  _setActive(h: LoopHandle, active: boolean): void {
    if (h._active === active) return;
    const counted = this.tracks(h) && h._refed;
    h._active = active;
    if (!counted) return;
    if (active) this.alive++;
    else this.lessAlive();
  }

  /** @internal */
  _setRef(h: LoopHandle, refed: boolean): void {
    if (h._refed === refed) return;
    const counted = this.tracks(h) && h._active;
    h._refed = refed;
    h._applyRef();
    if (!counted) return;
    if (refed) this.alive++;
    else this.lessAlive();
  }

  private lessAlive(): void {
    this.alive--;
    if (this.alive === 0 && this.state === 'running' && !this.checkScheduled) {
      // Check on the next turn: the callback that freed the last handle may create more.
      this.checkScheduled = true;
      setImmediate(() => {
        this.checkScheduled = false;
        if (this.alive === 0 && this.state === 'running') {
          this.state = 'exiting';
          this.runExitCallbacks();
          this.settle();
        }
      });
    }
  }

  private runExitCallbacks(): void {
    // Pushed, so they run last-added first, as in cl-async.
    while (this.exitCallbacks.length > 0) {
      const fn = this.exitCallbacks.pop()!;
      this.invoke(null, fn);
    }
  }

  private closeAll(): void {
    // Closing a handle may create or close others (a server closing its sockets), so sweep
    // until nothing is left, as cl-async's do-close-loop does.
    while (this.first !== null) {
      for (const h of this.handles()) h.close();
    }
  }

  private settle(): void {
    if (this.state === 'finished') return;
    this.runExitCallbacks();
    this.closeAll();
    this.state = 'finished';
    if (this.failed) signalError(this.future, this.failure);
    else finish(this.future);
  }
}

function reportError(err: unknown): void {
  // cl-async's default `handle-error`: warn and go on.
  const text = err instanceof Error ? (err.stack ?? String(err)) : String(err);
  process.stderr.write(`cl-async: handle-error: ${text}\n`);
}

/** Keeps the loop alive until the start function has run (cl-async's `(delay start-fn)`). */
class StartHandle extends LoopHandle {
  readonly kind = 'start';
  private readonly immediate: NodeJS.Immediate;

  constructor(loop: EventLoop, startFn: () => unknown) {
    super(loop);
    this.immediate = setImmediate(() => {
      loop.invoke(null, () => {
        try {
          const result = startFn();
          if (isThenable(result)) awaitStart(loop, result);
        } finally {
          this.close();
        }
      });
    });
  }

  protected release(): void {
    clearImmediate(this.immediate);
  }
}

/** An async start function keeps its loop alive until its promise settles. */
function awaitStart(loop: EventLoop, result: PromiseLike<unknown>): void {
  const pending = new PendingOperation(loop, 'async-start');
  result.then(
    () => pending.close(),
    (err: unknown) => {
      pending.close();
      loop.appError(err, null);
    },
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

// ---------------------------------------------------------------------------------------
// Public API

/** The loop of the current context, or `EventLoopNotRunning`. */
export function currentLoop(): EventLoop {
  const loop = storage.getStore();
  if (loop === undefined || !loop.running) throw new EventLoopNotRunning();
  return loop;
}

/**
 * Start a loop: `startFn` runs on the next turn inside it; the Future finishes when nothing
 * is left to do or `exitEventLoop` is called, and rejects with an uncaught callback error.
 */
export function startEventLoop(startFn: () => unknown, options: EventLoopOptions = {}): Future<void> {
  const outer = storage.getStore();
  if (outer !== undefined && outer.running) throw new EventLoopAlreadyStarted();
  const loop = new EventLoop(options);
  storage.run(loop, () => new StartHandle(loop, startFn));
  return loop.future;
}

/** `(with-event-loop (&key …) body)`: sugar for `startEventLoop(fn, options)`. */
export function withEventLoop(fn: () => unknown): Future<void>;
export function withEventLoop(options: EventLoopOptions, fn: () => unknown): Future<void>;
export function withEventLoop(a: EventLoopOptions | (() => unknown), b?: () => unknown): Future<void> {
  return typeof a === 'function' ? startEventLoop(a) : startEventLoop(b!, a);
}

/** Close every handle of the current loop, run no pending timer, and finish the loop. */
export function exitEventLoop(): void {
  currentLoop().exit();
}

/** Run `fn` when the current loop exits (naturally or forced); last added runs first. */
export function addEventLoopExitCallback(fn: () => void): void {
  currentLoop().addExitCallback(fn);
}

export function stats(): EventLoopStats {
  return currentLoop().stats();
}

/** One line per live handle of the current loop: `handle: <kind> (#id)`. */
export function dumpEventLoopStatus(): string {
  return currentLoop().dump();
}

/** Let `handle` keep its loop alive again (the default). */
export function ref(handle: LoopHandle): void {
  handle.loop._setRef(handle, true);
}

/** An unref'd handle does not keep its loop (or the process) alive. */
export function unref(handle: LoopHandle): void {
  handle.loop._setRef(handle, false);
}
