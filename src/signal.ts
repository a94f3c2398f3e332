/**
 * Signal handlers (`src/signal.lisp`). A handler keeps its loop alive until freed; Node's
 * `process.on` does not keep a process alive, so each handler holds a referenced timer.
 * Constants keep cl-async's names with the host's numbers (absent ones are undefined).
 */
import { constants } from 'node:os';
import { EventError } from './errors';
import { currentLoop, EventCb, EventLoop } from './event-loop';
import { LoopHandle } from './handle';

const hostSignals = constants.signals as Record<string, number | undefined>;

export const SIGHUP = hostSignals.SIGHUP;
export const SIGINT = hostSignals.SIGINT;
export const SIGQUIT = hostSignals.SIGQUIT;
export const SIGILL = hostSignals.SIGILL;
export const SIGTRAP = hostSignals.SIGTRAP;
export const SIGABRT = hostSignals.SIGABRT;
export const SIGEMT = hostSignals.SIGEMT;
export const SIGFPE = hostSignals.SIGFPE;
export const SIGKILL = hostSignals.SIGKILL;
export const SIGBUS = hostSignals.SIGBUS;
export const SIGSEGV = hostSignals.SIGSEGV;
export const SIGSYS = hostSignals.SIGSYS;
export const SIGPIPE = hostSignals.SIGPIPE;
export const SIGALRM = hostSignals.SIGALRM;
export const SIGTERM = hostSignals.SIGTERM;
export const SIGURG = hostSignals.SIGURG;
export const SIGSTOP = hostSignals.SIGSTOP;
export const SIGTSTP = hostSignals.SIGTSTP;
export const SIGCONT = hostSignals.SIGCONT;
export const SIGCHLD = hostSignals.SIGCHLD;
export const SIGTTIN = hostSignals.SIGTTIN;
export const SIGTTOU = hostSignals.SIGTTOU;
export const SIGIO = hostSignals.SIGIO;
export const SIGXCPU = hostSignals.SIGXCPU;
export const SIGXFSZ = hostSignals.SIGXFSZ;
export const SIGVTALRM = hostSignals.SIGVTALRM;
export const SIGPROF = hostSignals.SIGPROF;
export const SIGWINCH = hostSignals.SIGWINCH;
export const SIGINFO = hostSignals.SIGINFO;
export const SIGUSR1 = hostSignals.SIGUSR1;
export const SIGUSR2 = hostSignals.SIGUSR2;

const KEEP_ALIVE_MS = 2 ** 31 - 1;
const TABLE = Symbol('cl-async signal handlers');

export type SignalCb = (signo: number) => void;
export type Signal = number | NodeJS.Signals;

function resolveSignal(signal: Signal): { signo: number; name: NodeJS.Signals } {
  if (typeof signal === 'string') {
    const signo = hostSignals[signal];
    if (signo !== undefined) return { signo, name: signal };
  } else {
    for (const name of Object.keys(hostSignals)) {
      if (hostSignals[name] === signal) return { signo: signal, name: name as NodeJS.Signals };
    }
  }
  throw new EventError({ code: 'EINVAL', errcode: -22, errmsg: `Unknown signal: ${String(signal)}` });
}

function handlersOf(loop: EventLoop): Map<number, SignalHandler> {
  let table = loop.slots.get(TABLE) as Map<number, SignalHandler> | undefined;
  if (!table) {
    table = new Map();
    loop.slots.set(TABLE, table);
  }
  return table;
}

export class SignalHandler extends LoopHandle {
  readonly kind = 'signal';
  private readonly keepAlive: NodeJS.Timeout;
  private readonly listener: () => void;

  constructor(
    loop: EventLoop,
    readonly signo: number,
    private readonly name: NodeJS.Signals,
    callback: SignalCb,
    eventCb: EventCb | null | undefined,
  ) {
    super(loop);
    this.listener = () => loop.invoke(eventCb, callback, signo);
    this.keepAlive = setInterval(noop, KEEP_ALIVE_MS);
    try {
      process.on(name, this.listener);
    } catch (err) {
      // SIGKILL and SIGSTOP cannot be caught: libuv refuses them.
      this.close();
      const cause = err as NodeJS.ErrnoException;
      throw new EventError({ code: cause.code ?? 'EINVAL', errcode: cause.errno, errmsg: cause.message, cause });
    }
    handlersOf(loop).set(signo, this);
  }

  protected release(): void {
    process.removeListener(this.name, this.listener);
    clearInterval(this.keepAlive);
    const table = handlersOf(this.loop);
    if (table.get(this.signo) === this) table.delete(this.signo);
  }

  protected override nodeRef(refed: boolean): void {
    if (refed) this.keepAlive.ref();
    else this.keepAlive.unref();
  }
}

function noop(): void {}

/** Call `signalCb(signo)` each time the signal arrives; replaces an earlier handler for it. */
export function signalHandler(signal: Signal, signalCb: SignalCb, options: { eventCb?: EventCb | null } = {}): SignalHandler {
  const loop = currentLoop();
  const { signo, name } = resolveSignal(signal);
  handlersOf(loop).get(signo)?.close();
  return new SignalHandler(loop, signo, name, signalCb, options.eventCb);
}

export function freeSignalHandler(signal: Signal): void {
  const loop = currentLoop();
  handlersOf(loop).get(resolveSignal(signal).signo)?.close();
}

export function clearSignalHandlers(): void {
  const loop = currentLoop();
  for (const handler of Array.from(handlersOf(loop).values())) handler.close();
}
