import EventEmitter from 'eventemitter3';
import type { EventLoop } from './event-loop';

/**
 * Anything an event loop tracks: timers, sockets, servers, signal handlers, idlers,
 * notifiers, processes, watchers, in-flight DNS. The loop finishes when no handle is both
 * *active* and *referenced*, as libuv's loop does. Handles are also event emitters
 * (eventemitter3) for Node-style users.
 */
export abstract class LoopHandle extends EventEmitter {
  /** Short type name for `dumpEventLoopStatus` (`timer`, `tcp`, `signal`…). */
  abstract readonly kind: string;
  readonly loop: EventLoop;
  /** Stable id within the process, for debugging output. */
  readonly handleId: number;
  /** @internal maintained by the loop */
  _refed = true;
  /** @internal maintained by the loop */
  _active = true;
  private _closed = false;

  private static nextId = 1;

  constructor(loop: EventLoop, active = true) {
    super();
    this.loop = loop;
    this.handleId = LoopHandle.nextId++;
    this._active = active;
    loop._track(this);
  }

  get closed(): boolean {
    return this._closed;
  }

  /** Release the underlying Node resource. Runs once, from `close()`. */
  protected abstract release(): void;

  /** Point the underlying Node resource's own ref state at ours (timers, ports, sockets). */
  protected nodeRef(_refed: boolean): void {}

  /** Close now (forced), idempotent. The loop calls this for every handle on exit. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
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
