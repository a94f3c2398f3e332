import EventEmitter from 'eventemitter3';
import type { EventLoop } from './event-loop';

type Listener = (...args: any[]) => void;

const REFED = 1;
const ACTIVE = 2;
const CLOSED = 4;

/**
 * Anything an event loop tracks: timers, sockets, servers, signal handlers, idlers,
 * notifiers, processes, watchers, in-flight DNS. The loop finishes when no handle is both
 * *active* and *referenced*, as libuv's loop does.
 *
 * Handles are also event emitters (eventemitter3) for Node-style users. The emitter is made
 * on the first listener: most handles never get one, and a server holding tens of thousands
 * of sockets and timers should not pay for an emitter per handle.
 */
export abstract class LoopHandle {
  /** Short type name for `dumpEventLoopStatus` (`timer`, `tcp`, `signal`…). */
  abstract readonly kind: string;
  readonly loop: EventLoop;
  /** Stable id within the process, for debugging output. */
  readonly handleId: number;
  /** @internal the loop's handle queue (libuv's `handle_queue`): intrusive, no Set entry */
  _prev: LoopHandle | null = null;
  /** @internal */
  _next: LoopHandle | null = null;
  private state: number;
  private emitter: EventEmitter | null = null;

  private static nextId = 1;

  constructor(loop: EventLoop, active = true) {
    this.loop = loop;
    this.handleId = LoopHandle.nextId++;
    this.state = active ? REFED | ACTIVE : REFED;
    loop._track(this);
  }

  get closed(): boolean {
    return (this.state & CLOSED) !== 0;
  }

  /** @internal maintained by the loop */
  get _refed(): boolean {
    return (this.state & REFED) !== 0;
  }

  set _refed(refed: boolean) {
    this.state = refed ? this.state | REFED : this.state & ~REFED;
  }

  /** @internal maintained by the loop */
  get _active(): boolean {
    return (this.state & ACTIVE) !== 0;
  }

  set _active(active: boolean) {
    this.state = active ? this.state | ACTIVE : this.state & ~ACTIVE;
  }

  /** Release the underlying Node resource. Runs once, from `close()`. */
  protected abstract release(): void;

  /** Point the underlying Node resource's own ref state at ours (timers, ports, sockets). */
  protected nodeRef(_refed: boolean): void {}

  /** Close now (forced), idempotent. The loop calls this for every handle on exit. */
  close(): void {
    // Not `this.closed`: subclasses count a streamish shut by its app as closed already.
    if ((this.state & CLOSED) !== 0) return;
    this.state |= CLOSED;
    try {
      this.release();
    } finally {
      this.loop._untrack(this);
    }
  }

  /** @internal the loop tells the handle its ref state changed */
  _applyRef(): void {
    this.nodeRef(this._refed);
  }

  // -- the event emitter (eventemitter3's API; listeners get the handle as `this`) --------

  on(event: string | symbol, fn: Listener, context?: unknown): this {
    (this.emitter ??= new EventEmitter()).on(event, fn, context ?? this);
    return this;
  }

  addListener(event: string | symbol, fn: Listener, context?: unknown): this {
    return this.on(event, fn, context);
  }

  once(event: string | symbol, fn: Listener, context?: unknown): this {
    (this.emitter ??= new EventEmitter()).once(event, fn, context ?? this);
    return this;
  }

  off(event: string | symbol, fn?: Listener, context?: unknown, once?: boolean): this {
    this.emitter?.off(event, fn, context, once);
    return this;
  }

  removeListener(event: string | symbol, fn?: Listener, context?: unknown, once?: boolean): this {
    return this.off(event, fn, context, once);
  }

  removeAllListeners(event?: string | symbol): this {
    this.emitter?.removeAllListeners(event);
    return this;
  }

  /** Call the listeners of `event`; true if there were any. */
  emit(event: string | symbol, ...args: unknown[]): boolean;
  emit(event: string | symbol): boolean {
    const emitter = this.emitter;
    // `arguments`, not a rest array: sockets emit `data` per read, mostly to nobody.
    return emitter !== null && (Reflect.apply(emitter.emit, emitter, arguments) as boolean);
  }

  listeners(event: string | symbol): Listener[] {
    return this.emitter?.listeners(event) ?? [];
  }

  listenerCount(event: string | symbol): number {
    return this.emitter?.listenerCount(event) ?? 0;
  }

  eventNames(): Array<string | symbol> {
    return this.emitter?.eventNames() ?? [];
  }
}

/**
 * Work in flight with no Node handle of its own (a promise, a thread-pool request): it keeps
 * the loop alive until closed.
 */
export class PendingOperation extends LoopHandle {
  constructor(
    loop: EventLoop,
    readonly kind: string,
  ) {
    super(loop);
  }

  protected release(): void {}
}
