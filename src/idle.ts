/**
 * Idlers (`src/idle.lisp`): a callback run once per loop iteration until freed. The idler
 * keeps its loop alive, so the callback must free it eventually.
 */
import { currentLoop, EventCb, EventLoop } from './event-loop';
import { LoopHandle } from './handle';

export class Idler extends LoopHandle {
  readonly kind = 'idle';
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    loop: EventLoop,
    private readonly callback: () => void,
    private readonly eventCb: EventCb | null | undefined,
  ) {
    super(loop);
    this.schedule();
  }

  /** cl-async's `idler-freed-p`. */
  get freed(): boolean {
    return this.closed;
  }

  private schedule(): void {
    this.immediate = setImmediate(this.tick);
    if (!this._refed) this.immediate.unref();
  }

  private readonly tick = (): void => {
    this.immediate = undefined;
    this.loop.invoke(this.eventCb, this.callback);
    if (!this.closed) this.schedule();
  };

  protected release(): void {
    if (this.immediate !== undefined) clearImmediate(this.immediate);
  }

  protected override nodeRef(refed: boolean): void {
    if (refed) this.immediate?.ref();
    else this.immediate?.unref();
  }
}

export function idle(callback: () => void, options: { eventCb?: EventCb | null } = {}): Idler {
  return new Idler(currentLoop(), callback, options.eventCb);
}

/** Stop an idler (idempotent). */
export function freeIdler(idler: Idler): void {
  idler.close();
}

export function idlerFreedP(idler: Idler): boolean {
  return idler.freed;
}
