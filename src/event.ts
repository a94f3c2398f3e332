/**
 * Timers and generic events (`src/event.lisp`). Times are seconds, fractions allowed.
 * An event is one-shot: it frees itself after its callback runs.
 */
import { EventFreed } from './errors';
import { currentLoop, EventCb, EventLoop } from './event-loop';
import { Future, finish, makeFuture } from './future/future';
import { LoopHandle } from './handle';
import { TimerList, TimerNode } from './timer-list';
/** `make-event` waits "forever": cl-async uses a 100-year timer. */
const FOREVER_SECONDS = 100 * 365 * 24 * 3600;

export interface EventOptions {
  /** Receives errors thrown by the callback when the loop catches app errors. */
  eventCb?: EventCb | null;
}

export interface DelayOptions extends EventOptions {
  /** Seconds before the callback runs; none means the next turn. */
  time?: number | null;
}

function secondsToMs(seconds: number | null | undefined): number {
  if (seconds == null || !(seconds > 0)) return 0;
  return Math.round(seconds * 1000);
}

/** cl-async's `event`: a timer handle that runs its callback once, then frees itself. */
export class AsyncEvent extends LoopHandle implements TimerNode {
  /** @internal */
  _due = 0;
  /** @internal */
  _timerPrev: TimerNode | null = null;
  /** @internal */
  _timerNext: TimerNode | null = null;
  /** @internal */
  _timerList: TimerList | null = null;

  constructor(
    loop: EventLoop,
    private readonly callback: () => void,
    private readonly eventCb: EventCb | null | undefined,
  ) {
    super(loop, false);
  }

  get kind(): string {
    return 'timer';
  }

  /** cl-async's `event-freed-p`. */
  get freed(): boolean {
    return this.closed;
  }

  /** cl-async's `event-c`: the Node timer that carries it when armed (shared by its list). */
  get c(): NodeJS.Timeout | undefined {
    return TimerList.nodeTimerOf(this);
  }

  /** Arm (or re-arm) the event to fire after `seconds`. */
  add(seconds?: number | null): void {
    if (this.closed) throw new EventFreed({ event: this });
    TimerList.disarm(this);
    TimerList.arm(this.loop, this, secondsToMs(seconds));
    this.loop._setActive(this, true);
  }

  /** Stop the timer without freeing: the event no longer keeps the loop alive. */
  remove(): void {
    TimerList.disarm(this);
    this.loop._setActive(this, false);
  }

  /** Free the event; freeing twice is `EventFreed`. */
  free(): void {
    if (this.closed) throw new EventFreed({ event: this });
    this.close();
  }

  protected release(): void {
    TimerList.disarm(this);
  }

  protected override nodeRef(): void {
    TimerList.refChanged(this);
  }

  /** @internal its list found it due */
  _expire(): void {
    this.loop.invoke(this.eventCb, runEvent, this);
  }

  /** @internal */
  _run(): void {
    try {
      this.callback();
    } finally {
      // Free after the callback, unless it re-armed the event.
      if (this._timerList === null) this.close();
    }
  }
}

function runEvent(event: AsyncEvent): void {
  event._run();
}

/** Run `callback` once after `time` seconds (next turn when omitted). Returns the event. */
export function delay(callback: () => void, options: DelayOptions = {}): AsyncEvent {
  const event = new AsyncEvent(currentLoop(), callback, options.eventCb);
  event.add(options.time);
  return event;
}

/** `(with-delay (seconds) body)`. */
export function withDelay(fn: () => void): AsyncEvent;
export function withDelay(seconds: number | null | undefined, fn: () => void): AsyncEvent;
export function withDelay(a: number | null | undefined | (() => void), b?: () => void): AsyncEvent {
  return typeof a === 'function' ? delay(a) : delay(b!, { time: a });
}

/** The 2012 `timer`: `delay` with the time first. */
export function timer(timeSeconds: number, callback: () => void, options: EventOptions = {}): AsyncEvent {
  return delay(callback, { time: timeSeconds, eventCb: options.eventCb });
}

/** A Future that finishes after `seconds`, for `await sleep(0.5)` style code. */
export function sleep(seconds: number): Future<void> {
  const future = makeFuture<void>();
  delay(() => finish(future), { time: seconds });
  return future;
}

/**
 * Run `callback` every `time` seconds (the period includes the callback's own run time, as
 * the next delay is armed after it). Returns the function that cancels it.
 */
export function interval(callback: () => void, options: DelayOptions = {}): () => void {
  let next: AsyncEvent | null = null;
  let cancelled = false;
  const tick = (): void => {
    try {
      callback();
    } finally {
      if (!cancelled) next = delay(tick, options);
    }
  };
  next = delay(tick, options);
  return () => {
    if (cancelled) return;
    cancelled = true;
    next?.close();
  };
}

/** `(with-interval (seconds) body)`. */
export function withInterval(seconds: number, fn: () => void): () => void {
  return interval(fn, { time: seconds });
}

/** Cancel an interval (idempotent). */
export function removeInterval(intervalFn: () => void): void {
  intervalFn();
}

/** An event that waits until `addEvent(ev, { activate: true })` fires it (or it is freed). */
export function makeEvent(callback: () => void, options: EventOptions = {}): AsyncEvent {
  return delay(callback, { time: FOREVER_SECONDS, eventCb: options.eventCb });
}

export interface AddEventOptions {
  /** Seconds until the event fires; none (or `activate`) fires it on the next turn. */
  timeout?: number | null;
  /** Kept for compatibility, as in cl-async v0.6: without a timeout the event fires next turn. */
  activate?: boolean;
}

export function addEvent(event: AsyncEvent, options: AddEventOptions = {}): void {
  event.add(options.timeout);
}

export function removeEvent(event: AsyncEvent): boolean {
  event.remove();
  return true;
}

export function freeEvent(event: AsyncEvent): void {
  event.free();
}

export function eventFreedP(event: AsyncEvent): boolean {
  return event.freed;
}
