/**
 * Timer lists: the armed events of one loop and one duration share one Node timer, as
 * Node's own timer lists do. An armed event is a node in a list, not a Node `Timeout` of its
 * own: a server answering 19,000 connections after a delay holds 19,000 small nodes.
 *
 * Events of one list that are due together run back to back in one Node callback, as libuv
 * runs its timers (promise callbacks they queue run after the batch).
 */
import type { EventLoop } from './event-loop';

/** Node clamps longer timeouts to 1 ms, so long waits are armed in steps of this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a list holds (an `AsyncEvent`). @internal */
export interface TimerNode {
  /** When it is due, in `performance.now()` milliseconds. */
  _due: number;
  _timerPrev: TimerNode | null;
  _timerNext: TimerNode | null;
  /** The list it is armed in, or null. */
  _timerList: TimerList | null;
  readonly _refed: boolean;
  /** It is due: the list has dropped it already. */
  _expire(): void;
}

const LISTS = Symbol('cl-async timer lists');

export class TimerList {
  private first: TimerNode | null = null;
  private last: TimerNode | null = null;
  /** The Node timer, armed for the first node while the list is not empty. */
  private nodeTimer: NodeJS.Timeout | null = null;
  /** When the Node timer is set to fire, in `performance.now()` milliseconds. */
  private firesAt = 0;
  /** Nodes that keep the process alive: the Node timer is unref'd when none does. */
  private refs = 0;

  private constructor(
    private readonly lists: Map<number, TimerList>,
    private readonly ms: number,
  ) {}

  /** Arm `node` to be due `ms` milliseconds from now, last of the nodes with that wait. */
  static arm(loop: EventLoop, node: TimerNode, ms: number): void {
    let lists = loop.slots.get(LISTS) as Map<number, TimerList> | undefined;
    if (lists === undefined) loop.slots.set(LISTS, (lists = new Map()));
    let list = lists.get(ms);
    if (list === undefined) lists.set(ms, (list = new TimerList(lists, ms)));
    list.push(node);
  }

  /** Take `node` out of its list, if it is armed. */
  static disarm(node: TimerNode): void {
    node._timerList?.unlink(node);
  }

  /** The Node timer that carries `node` (shared with its list), if armed. */
  static nodeTimerOf(node: TimerNode): NodeJS.Timeout | undefined {
    return node._timerList?.nodeTimer ?? undefined;
  }

  /** `node`'s ref state changed while armed. */
  static refChanged(node: TimerNode): void {
    const list = node._timerList;
    if (list === null) return;
    list.refs += node._refed ? 1 : -1;
    list.applyRef();
  }

  private push(node: TimerNode): void {
    const now = performance.now();
    node._due = now + this.ms;
    node._timerList = this;
    node._timerNext = null;
    node._timerPrev = this.last;
    if (this.last === null) this.first = node;
    else this.last._timerNext = node;
    this.last = node;
    if (node._refed) this.refs++;
    if (this.nodeTimer === null) this.schedule(now);
    else this.applyRef();
  }

  private unlink(node: TimerNode): void {
    const { _timerPrev: prev, _timerNext: next } = node;
    if (prev === null) this.first = next;
    else prev._timerNext = next;
    if (next === null) this.last = prev;
    else next._timerPrev = prev;
    node._timerPrev = node._timerNext = node._timerList = null;
    if (node._refed) this.refs--;
    if (this.first !== null) {
      this.applyRef();
      return;
    }
    // Empty: a list only lives while it holds nodes, as Node's do.
    clearTimeout(this.nodeTimer!);
    this.nodeTimer = null;
    this.lists.delete(this.ms);
  }

  /** Arm the Node timer for the first node. */
  private schedule(now: number): void {
    const wait = Math.min(Math.max(0, Math.ceil(this.first!._due - now)), MAX_TIMER_MS);
    this.firesAt = now + wait;
    this.nodeTimer = setTimeout(expireList, wait, this);
    this.applyRef();
  }

  private applyRef(): void {
    if (this.refs > 0) this.nodeTimer!.ref();
    else this.nodeTimer!.unref();
  }

  /** @internal the Node timer fired */
  _expire(): void {
    // Node decides the wait is over on its loop's cached clock, which may run a little
    // behind ours: what was due by then is due now. Within a millisecond counts as due, as
    // Node's own timers have that granularity. Nodes armed meanwhile are due later; the
    // fired Node timer stays in place until the end (cleared, harmlessly, if the list empties).
    const dueBy = Math.max(performance.now(), this.firesAt) + 1;
    for (let node = this.first; node !== null && node._due < dueBy; node = this.first) {
      this.unlink(node);
      node._expire();
    }
    if (this.first === null) return;
    this.nodeTimer = null;
    this.schedule(performance.now());
  }
}

function expireList(list: TimerList): void {
  list._expire();
}
