/**
 * Notifiers (`src/notify.lisp`): the only cross-thread primitive. A notifier runs its
 * callback in its loop when triggered, from this thread or from a `worker_threads` Worker
 * holding `notifier.port`. Triggers before the callback runs coalesce into one call, as with
 * `uv_async_send`. An untriggered notifier keeps its loop alive until it fires (single-shot)
 * or is freed.
 */
import { MessageChannel, MessagePort } from 'node:worker_threads';
import { NotifierFreed } from './errors';
import { currentLoop, EventCb, EventLoop } from './event-loop';
import { LoopHandle } from './handle';

export interface NotifierOptions {
  eventCb?: EventCb | null;
  /** Free the notifier after its first run (default true). */
  singleShot?: boolean;
}

export class Notifier extends LoopHandle {
  readonly kind = 'notifier';
  readonly singleShot: boolean;
  private readonly channel = new MessageChannel();
  private pending = false;

  constructor(
    loop: EventLoop,
    private readonly callback: () => void,
    private readonly eventCb: EventCb | null | undefined,
    singleShot: boolean,
  ) {
    super(loop);
    this.singleShot = singleShot;
    this.channel.port1.on('message', this.schedule);
  }

  /** cl-async's `notifier-freed-p`. */
  get freed(): boolean {
    return this.closed;
  }

  /**
   * The port to transfer to a Worker (`transferList`); `triggerNotifier(port)` in the worker
   * fires this notifier.
   */
  get port(): MessagePort {
    return this.channel.port2;
  }

  trigger(): void {
    if (this.closed) throw new NotifierFreed({ notifier: this });
    this.schedule();
  }

  private readonly schedule = (): void => {
    if (this.pending || this.closed) return;
    this.pending = true;
    setImmediate(this.fire);
  };

  private readonly fire = (): void => {
    this.pending = false;
    if (this.closed) return;
    if (this.singleShot) this.close();
    this.loop.invoke(this.eventCb, this.callback);
  };

  protected release(): void {
    this.channel.port1.close();
  }

  protected override nodeRef(refed: boolean): void {
    if (refed) this.channel.port1.ref();
    else this.channel.port1.unref();
  }
}

export function makeNotifier(callback: () => void, options: NotifierOptions = {}): Notifier {
  return new Notifier(currentLoop(), callback, options.eventCb, options.singleShot ?? true);
}

/**
 * Fire a notifier. Works from any context, even outside every loop: pass the `Notifier`, or
 * in a Worker the `MessagePort` it was given (`notifier.port`).
 */
export function triggerNotifier(notifier: Notifier | MessagePort): void {
  if (notifier instanceof Notifier) notifier.trigger();
  else notifier.postMessage(null);
}

export function freeNotifier(notifier: Notifier): void {
  if (notifier.closed) throw new NotifierFreed({ notifier });
  notifier.close();
}

export function notifierFreedP(notifier: Notifier): boolean {
  return notifier.freed;
}
