/**
 * Child processes (`src/process.lisp`): `spawn`, `processKill`. A process is a loop handle
 * that keeps its loop alive until it has exited and its output pipes are drained. Its
 * redirected stdio are our own pipe sockets (cl-async callbacks) or their `AsyncIoStream`s.
 *
 * A program that cannot be found throws `FilesystemEnoent` at the call, as cl-async's
 * synchronous `uv_spawn` failure does. Node only reports exec failures on a later tick, so
 * the program and working directory are looked up first; what only the real exec can tell
 * (a bad `#!` interpreter) reaches `eventCb` instead.
 */
import { ChildProcess, spawn as spawnChild, StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import type { Socket as NodeSocket } from 'node:net';
import { constants } from 'node:os';
import nodePath from 'node:path';
import type { AsyncIoStream } from './async-stream';
import { EventError } from './errors';
import { currentLoop, EventCb, EventLoop } from './event-loop';
import { filesystemError } from './fs';
import { LoopHandle } from './handle';
import { signalEvent } from './signal-event';
import { adoptSocket, AsyncSocket, SocketOptions, socketOf, SocketReadCb, StreamReadCb } from './socket';

/**
 * Pipe options (`pipeConnect`'s): `readCb(pipe, bytes)`, `eventCb`, `data`, `writeCb`,
 * timeouts. A child's pipe is connected when it is made, so `connectCb` runs inside `spawn`.
 */
export interface PipeOptions extends Omit<SocketOptions, 'stream'> {
  readCb?: SocketReadCb | null;
}

/** The same for a stream: `readCb(pipe, stream)` each time bytes were added to the stream. */
export interface StreamPipeOptions extends Omit<SocketOptions, 'stream'> {
  readCb?: StreamReadCb | null;
}

export type StdioMode = 'ignore' | 'inherit' | 'pipe' | 'stream';

type StdioOptionsFor<M extends StdioMode> = M extends 'stream' ? StreamPipeOptions : M extends 'pipe' ? PipeOptions : never;

/**
 * How a child's stdin, stdout or stderr is set up: `'ignore'` (/dev/null), `'inherit'` (ours),
 * a pipe socket (`['pipe', options]`) or a pipe's `AsyncIoStream` (`['stream', options]`).
 */
export type StdioSpec<M extends StdioMode = StdioMode> = M | readonly [M, StdioOptionsFor<M>?];

/** What `spawn` returns for a mode: the pipe socket, its stream, or null when not redirected. */
export type StdioResult<M> = M extends 'stream' ? AsyncIoStream : M extends 'pipe' ? AsyncSocket : null;

export type ProcessStdio = AsyncSocket | AsyncIoStream | null;

/** `exitCb(process, exitStatus, termSignal)`: a status of 0 when killed, a signal of 0 when not. */
export type ExitCb = (process: AsyncProcess, exitStatus: number, termSignal: number) => void;

export interface SpawnOptions<I extends StdioMode = StdioMode, O extends StdioMode = StdioMode, E extends StdioMode = StdioMode> {
  exitCb?: ExitCb | null;
  /** Receives an exec failure Node reports late; by default it is thrown (cl-async's `#'error`). */
  eventCb?: EventCb | null;
  input?: StdioSpec<I>;
  output?: StdioSpec<O>;
  errorOutput?: StdioSpec<E>;
  /** The child's whole environment (it replaces ours): an object or `[name, value]` pairs. */
  env?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]> | null;
  workingDirectory?: string | null;
}

/** glibc's `execvp` search path when the environment has no PATH. */
const DEFAULT_PATH = '/bin:/usr/bin';

/** A spawned program (cl-async's `process`). */
export class AsyncProcess extends LoopHandle {
  readonly kind = 'process';
  /** cl-async's `process-c`: the Node child. */
  readonly c: ChildProcess;
  readonly input: ProcessStdio;
  readonly output: ProcessStdio;
  readonly errorOutput: ProcessStdio;
  private exited = false;

  /** @internal */
  constructor(
    loop: EventLoop,
    child: ChildProcess,
    [input, output, errorOutput]: ProcessStdio[],
    private readonly path: string,
    private readonly exitCb: ExitCb | null,
    private readonly eventCb: EventCb,
  ) {
    super(loop);
    this.c = child;
    this.input = input;
    this.output = output;
    this.errorOutput = errorOutput;
    child.on('exit', () => {
      this.exited = true;
    });
    // 'close' comes once the child exited and its stdout and stderr reached EOF.
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => this.onClose(code, signal));
    child.on('error', (err: NodeJS.ErrnoException) => this.onError(err));
  }

  /** The child's process id (undefined when it could not be started). */
  get pid(): number | undefined {
    return this.c.pid;
  }

  /** True from a successful start until the child exited. */
  get running(): boolean {
    return this.c.pid !== undefined && !this.exited;
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return;
    if (this.exitCb !== null) {
      this.loop.invoke(this.eventCb, this.exitCb, this, code ?? 0, signal === null ? 0 : constants.signals[signal]);
    }
    this.close();
  }

  /** Node's late exec failure (the child never ran): drop the pipes and report it. */
  private onError(err: NodeJS.ErrnoException): void {
    if (this.closed) return;
    for (const stdio of [this.input, this.output, this.errorOutput]) {
      if (stdio !== null) socketOf(stdio).close();
    }
    this.close();
    this.loop.deliver(this.eventCb, filesystemError(err, this.path));
  }

  /** Closed with the child still running (`exitEventLoop`): it must not outlive its loop. */
  protected release(): void {
    if (this.running) this.c.kill('SIGKILL');
  }

  protected override nodeRef(refed: boolean): void {
    if (refed) this.c.ref();
    else this.c.unref();
  }
}

/**
 * Run the program `path` (looked up on the child's PATH when it has no slash) with `args`
 * (argv[0] excluded). Returns `[process, input, output, errorOutput]`, null for the ones not
 * redirected. `exitCb` runs once, after the exit and once the output pipes are drained.
 */
export function spawn<I extends StdioMode = 'ignore', O extends StdioMode = 'ignore', E extends StdioMode = 'ignore'>(
  path: string,
  args: readonly string[],
  options: SpawnOptions<I, O, E> = {},
): [AsyncProcess, StdioResult<I>, StdioResult<O>, StdioResult<E>] {
  const loop = currentLoop();
  const specs = [options.input, options.output, options.errorOutput].map(normalizeStdio);
  const env = options.env == null ? undefined : Array.isArray(options.env) ? Object.fromEntries(options.env) : { ...options.env };
  const cwd = options.workingDirectory ?? undefined;
  checkStartable(path, env ?? process.env, cwd);
  let child: ChildProcess;
  try {
    child = spawnChild(path, args, { cwd, env, stdio: specs.map(nodeStdio) as StdioOptions });
  } catch (err) {
    // A system error Node throws at once (E2BIG); misuse (an empty path) stays a TypeError.
    const cause = err as NodeJS.ErrnoException;
    throw typeof cause.errno === 'number' ? filesystemError(cause, path) : err;
  }
  const stdio = specs.map((spec, fd) => (spec.mode === 'pipe' || spec.mode === 'stream' ? adoptSocket('pipe', child.stdio[fd] as NodeSocket, spec.options.readCb ?? null, { ...spec.options, stream: spec.mode === 'stream' }) : null));
  const proc = new AsyncProcess(loop, child, stdio, path, options.exitCb ?? null, options.eventCb ?? signalEvent);
  return [proc, ...stdio] as [AsyncProcess, StdioResult<I>, StdioResult<O>, StdioResult<E>];
}

/**
 * Send `signal` (a number or a name such as `'SIGTERM'`) to the process. Returns true, or
 * false when it already exited. A failure goes to `eventCb` (then false) or is thrown.
 */
export function processKill(proc: AsyncProcess, signal: number | NodeJS.Signals, options: { eventCb?: EventCb | null } = {}): boolean {
  if (!proc.running || proc.closed) return false;
  const signo = typeof signal === 'number' ? signal : (constants.signals as Record<string, number | undefined>)[signal];
  let condition: EventError;
  if (signo === undefined) {
    condition = new EventError({ code: 'EINVAL', errcode: -constants.errno.EINVAL, errmsg: `Unknown signal: ${String(signal)}` });
  } else {
    try {
      process.kill(proc.pid!, signo);
      return true;
    } catch (err) {
      const cause = err as NodeJS.ErrnoException;
      condition = new EventError({ code: cause.code, errcode: cause.errno, errmsg: cause.message, cause });
    }
  }
  (options.eventCb ?? signalEvent)(condition);
  return false;
}

/** cl-async's `process-input`. */
export function processInput(proc: AsyncProcess): ProcessStdio {
  return proc.input;
}

/** cl-async's `process-output`. */
export function processOutput(proc: AsyncProcess): ProcessStdio {
  return proc.output;
}

/** cl-async's `process-error-output`. */
export function processErrorOutput(proc: AsyncProcess): ProcessStdio {
  return proc.errorOutput;
}

// ---------------------------------------------------------------------------------------

interface NormalStdio {
  mode: StdioMode;
  options: PipeOptions | StreamPipeOptions;
}

function normalizeStdio(spec: StdioSpec | undefined): NormalStdio {
  const [mode, options = {}] = typeof spec === 'string' ? [spec] : (spec ?? ['ignore']);
  if (mode !== 'ignore' && mode !== 'inherit' && mode !== 'pipe' && mode !== 'stream') {
    throw new TypeError(`stdio must be 'ignore', 'inherit', ['pipe', options] or ['stream', options]: ${String(mode)}`);
  }
  return { mode, options };
}

function nodeStdio(spec: NormalStdio): 'ignore' | 'inherit' | 'pipe' {
  return spec.mode === 'stream' ? 'pipe' : spec.mode;
}

/**
 * The adapter to the socket layer: a child's stdio pipe, already connected, becomes one of
 * our pipe sockets (not counted in `stats()`), returned as its stream for `'stream'`.
 */

/**
 * Fail at the call, as exec would in the child: a missing working directory, or a program
 * found nowhere (`execvp`'s search, relative to the working directory). Anything that only
 * the real exec can tell is left to it.
 */
function checkStartable(file: string, env: NodeJS.ProcessEnv, cwd: string | undefined): void {
  const dir = cwd ?? process.cwd();
  if (cwd !== undefined) {
    try {
      // The trailing slash makes a file that is not a directory ENOTDIR; X_OK is what chdir needs.
      fs.accessSync(nodePath.join(cwd, nodePath.sep), fs.constants.X_OK);
    } catch (err) {
      throw filesystemError(err as NodeJS.ErrnoException, cwd);
    }
  }
  const candidates = file.includes('/')
    ? [nodePath.resolve(dir, file)]
    : (env.PATH ?? DEFAULT_PATH).split(':').map((entry) => nodePath.resolve(dir, entry, file));
  let failure: NodeJS.ErrnoException | undefined;
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return;
    } catch (err) {
      // Like execvp, a permission problem is what gets reported when nothing else runs.
      const cause = err as NodeJS.ErrnoException;
      if (failure === undefined || (cause.code === 'EACCES' && failure.code !== 'EACCES')) failure = cause;
    }
  }
  throw filesystemError(failure!, file);
}
