/**
 * The Future: one settle-once callback/errback chain with two faces.
 *
 * - cl-async face: `attach`/`finish`/`signalError`/`attachErrback` run synchronously, carry
 *   several values, and forward when a callback returns another future.
 * - Promise face: `then`/`catch`/`finally` follow Promises/A+ (handlers deferred to a microtask,
 *   first value only), so `await future` works.
 *
 * Both faces register on the same listener list, so registration order is kept across them.
 */

// `_bits` packs the state and the flags into one small integer.
const STATE = 3; // mask
const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;
const FORWARDED = 3; // listeners moved to `_value`, the future this one forwards to
const LOCKED = 4; // adopting a foreign thenable: later finish/signalError are ignored
const HANDLED = 8; // someone listened; suppresses the unhandled-error report
const DEFERRED = 16; // settled, but `Future.finishHook` has not run the listeners yet
const SILENCED = 32; // its error was taken by a handler-case clause: never reported, nor downstream
const LISTENED = 64; // someone listens: `_onF`, `_onR`, `_child` hold the listener
const ASYNC_1 = 128; // ... which is Promise-face
const MORE = 256; // ... or several: `_onF` holds them all, four slots each (see `_listen`)
// Settled in tail position (see `_settled`), with the listeners left to `_drive`, which runs them
// next in its loop instead of recursing. A flag on the future, not a module variable, because
// storing a young future into the (old) module context costs a write barrier.
const READY = 512;
const MULTI = 1024; // fulfilled with other than exactly one value: `_value` holds them all

const ASYNC = 1; // listener mode: Promise face (microtask, first value only)

type Fn = (...args: any[]) => unknown;

/** Several values at once, as CL's `(values ...)`. `values()` is zero values. */
export class Values<A extends unknown[] = unknown[]> {
  constructor(readonly items: A) {}
}

export function values<A extends unknown[]>(...items: A): Values<A> {
  return new Values(items);
}

type First<A> = A extends [infer F, ...unknown[]] ? F : A extends (infer E)[] ? E | undefined : undefined;

/** The first value a future settles with when a callback returns `R`. */
export type Settled<R> = R extends Values<infer A> ? First<A> : Awaited<R>;

/** The first value `attach` hands its callback for a future, a `Values`, a thenable or a value. */
export type FirstValue<G> = G extends Values<infer A> ? Settled<First<A>> : Awaited<G>;

export type UnhandledErrorHandler = (err: unknown, future: Future) => void;

export interface FutureOptions {
  name?: string;
  /** cl-async-future options; accepted and ignored, as blackbird's shim did. */
  preserveCallbacks?: boolean;
  reattachCallbacks?: boolean;
}

type FinishHook = (run: () => void) => void;
// The module state the hot paths read is declared with `var`: optimized code reads a module `let`
// through a check for its temporal dead zone, and these are read once or more per link.
var finishHook: FinishHook | null = null;
var debugOnError = false;

export class Future<T = any> implements PromiseLike<T> {
  /**
   * Receives every errored future nobody listened to, one macrotask after it errored; also an
   * error thrown by a callback whose future its owner had already settled (with that future).
   */
  static onUnhandledError: UnhandledErrorHandler = reportToStderr;
  // The two switches live in module variables: the hot paths read those much faster than static
  // properties of the class.
  /** When set, runs each settlement's listeners (blackbird's `*promise-finish-hook*`). */
  static get finishHook(): FinishHook | null {
    return finishHook;
  }
  static set finishHook(hook: FinishHook | null) {
    finishHook = hook;
  }
  /** When true, errors thrown by callbacks and executors propagate instead of rejecting. */
  static get debugOnError(): boolean {
    return debugOnError;
  }
  static set debugOnError(on: boolean) {
    debugOnError = Boolean(on); // a boolean, so the hot path compares instead of converting
  }

  // Fields are assigned in the constructor (not as class fields) so V8 builds one fast shape.
  declare readonly name: string | undefined;
  private declare _bits: number; // state and flags
  private declare _value: any; // the value (all values with MULTI), error, or forward target
  // A sole listener lives inline (its mode in `_bits`). Most futures never get a second one, so
  // several share `_onF` as an array rather than costing every future a field.
  private declare _onF: Fn | unknown[] | undefined;
  private declare _onR: Fn | undefined;
  private declare _child: Future | undefined;

  constructor(opts?: FutureOptions) {
    this.name = opts?.name;
    this._bits = PENDING;
    this._value = undefined;
    this._onF = undefined;
    this._onR = undefined;
    this._child = undefined;
  }

  // ---- producer side ------------------------------------------------------------------------

  /**
   * Settle with `values`. A future (or thenable) as the first value forwards this one to it; a
   * sole `Values` argument is spread. Ignored once settled, forwarded or adopting.
   */
  finish(...values: unknown[]): this {
    if (this._open()) {
      if (values.length === 1) this._resolve(values[0]);
      else this._resolveMany(values);
    }
    return this;
  }

  /** Reject with `err` (any value, even `undefined`). Ignored once settled. */
  signalError(err: unknown): this {
    if (this._open()) this._reject(err);
    return this;
  }

  resolve(...values: unknown[]): this {
    return this.finish(...values);
  }

  reject(err: unknown): this {
    return this.signalError(err);
  }

  // ---- cl-async face ------------------------------------------------------------------------

  /**
   * Run `cb` with all the values when this future finishes (at once if it already has), or `eb`
   * with the error. The returned future settles with the handler's result (several values via
   * `values()`, a returned future forwards); an error with no `eb` flows on to it.
   */
  attach<R>(cb: (value: T, ...rest: any[]) => R): Future<Settled<R>>;
  attach<R, E>(
    cb: ((value: T, ...rest: any[]) => R) | null | undefined,
    eb: (err: any) => E,
  ): Future<Settled<R> | Settled<E>>;
  attach(cb?: Fn | null, eb?: Fn | null): Future {
    const child = new Future();
    this._listen(cb ?? undefined, eb ?? undefined, child, 0);
    return child;
  }

  /** Run `eb` on error; on success the values pass through to the returned future. */
  attachErrback<E>(eb: (err: any) => E): Future<T | Settled<E>> {
    const child = new Future<T | Settled<E>>();
    this._listen(undefined, eb, child, 0);
    return child;
  }

  // ---- Promise face -------------------------------------------------------------------------

  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Future<A | B> {
    const child = new Future<A | B>();
    this._listen(
      typeof onFulfilled === 'function' ? onFulfilled : undefined,
      typeof onRejected === 'function' ? onRejected : undefined,
      child,
      ASYNC,
    );
    return child;
  }

  catch<B = never>(onRejected?: ((reason: any) => B | PromiseLike<B>) | null): Future<T | B> {
    return this.then(undefined, onRejected);
  }

  /** ES `finally`: waits for `fn`'s result, then passes the outcome on; a throw in `fn` wins. */
  finally(fn?: (() => unknown) | null): Future<T> {
    if (typeof fn !== 'function') return this.then(fn, fn);
    return this.then(
      (v) => toFuture(fn()).then(() => v),
      (e) =>
        toFuture(fn()).then(() => {
          throw e;
        }),
    );
  }

  get [Symbol.toStringTag](): string {
    return 'Future';
  }

  // ---- introspection ------------------------------------------------------------------------

  /** The future this one forwards to, followed to the end of the chain (itself if none). */
  lookupForwarded(): Future {
    if ((this._bits & STATE) !== FORWARDED) return this;
    let end: Future = this._value;
    while ((end._bits & STATE) === FORWARDED) end = end._value;
    this._value = end; // path compression keeps long chains cheap
    return end;
  }

  get state(): 'pending' | 'fulfilled' | 'rejected' {
    const s = this.lookupForwarded()._bits & STATE;
    return s === FULFILLED ? 'fulfilled' : s === REJECTED ? 'rejected' : 'pending';
  }

  /** True once finished with values (following forwarding). */
  get finished(): boolean {
    return (this.lookupForwarded()._bits & STATE) === FULFILLED;
  }

  get errored(): boolean {
    return (this.lookupForwarded()._bits & STATE) === REJECTED;
  }

  /** All the values once finished, else `undefined`. */
  get values(): unknown[] | undefined {
    const f = this.lookupForwarded();
    if ((f._bits & STATE) !== FULFILLED) return undefined;
    return f._bits & MULTI ? (f._value as unknown[]).slice() : [f._value];
  }

  /** The error once errored, else `undefined`. Reading it does not count as handling it. */
  get error(): unknown {
    const f = this.lookupForwarded();
    return (f._bits & STATE) === REJECTED ? f._value : undefined;
  }

  // ---- internals ----------------------------------------------------------------------------

  /** Not yet settled, forwarded or adopting: `finish` and `signalError` still count. */
  private _open(): boolean {
    return (this._bits & (STATE | LOCKED)) === PENDING;
  }

  /** @internal Register a listener; runs it now (or queues it) when already settled. */
  _listen(onF: Fn | undefined, onR: Fn | undefined, child: Future | undefined, mode: number): void {
    let f: Future = this;
    if ((this._bits & STATE) === FORWARDED) {
      this._bits |= HANDLED;
      f = this.lookupForwarded();
    }
    const bits = f._bits | HANDLED;
    if ((bits & STATE) === PENDING || bits & DEFERRED) {
      if (!(bits & LISTENED)) {
        f._bits = bits | LISTENED | (mode === ASYNC ? ASYNC_1 : 0);
        f._onF = onF;
        f._onR = onR;
        f._child = child;
        return;
      }
      if (bits & MORE) {
        f._bits = bits;
        (f._onF as unknown[]).push(onF, onR, child, mode);
      } else {
        f._bits = (bits | MORE) & ~ASYNC_1;
        f._onF = [f._onF, f._onR, f._child, bits & ASYNC_1 ? ASYNC : 0, onF, onR, child, mode];
        f._onR = f._child = undefined;
      }
    } else {
      f._bits = bits;
      run(f, onF, onR, child, mode);
    }
  }

  /** @internal Mark as handled so a rejection is not reported. */
  _markHandled(): void {
    this._bits |= HANDLED;
  }

  /** @internal Its error was dealt with: report neither it nor the futures it flows to. */
  _silence(): void {
    this._bits |= HANDLED | SILENCED;
  }

  /** @internal */
  _isUnhandled(): boolean {
    if (this._bits & HANDLED) return false;
    return (this.lookupForwarded()._bits & (STATE | SILENCED)) === REJECTED;
  }

  /**
   * @internal The resolution procedure for one value (A+ 2.3). With `tail`, settling leaves the
   * listeners to the caller (see `_settled`).
   */
  _resolve(x: unknown, tail = false): void {
    if (isObjectLike(x)) {
      if (x instanceof Future) return this._forward(x);
      if (x instanceof Values) return this._resolveMany(x.items, tail);
      let then: unknown;
      try {
        then = (x as PromiseLike<unknown>).then;
      } catch (e) {
        return this._reject(e, tail);
      }
      if (typeof then === 'function') return this._adopt(x, then as Fn);
    }
    this._fulfill(x, 0, tail);
  }

  private _resolveMany(items: unknown[], tail = false): void {
    const first = items[0];
    if (items.length === 1 || (isObjectLike(first) && 'then' in first)) {
      this._resolve(first, tail); // a future or thenable as first value decides; the rest are dropped
    } else {
      this._fulfill(items, MULTI, tail);
    }
  }

  /** `value` is all the values when `multi` is MULTI, else 0. */
  private _fulfill(value: unknown, multi: number, tail: boolean): void {
    this._bits = (this._bits & ~STATE) | FULFILLED | multi;
    this._value = value;
    this._settled(tail);
  }

  /** @internal */
  _reject(err: unknown, tail = false): void {
    this._bits = (this._bits & ~STATE) | REJECTED;
    this._value = err;
    if (!(this._bits & HANDLED)) trackUnhandled(this);
    this._settled(tail);
  }

  private _forward(target: Future): void {
    const end = target.lookupForwarded();
    if (end === this) return this._reject(new TypeError('Future cannot be forwarded to itself'));
    const bits = this._bits;
    this._bits = (bits & ~(STATE | LISTENED | ASYNC_1 | MORE)) | FORWARDED;
    this._value = end;
    if (!(bits & LISTENED)) {
      // Nobody listens here yet: an error already on the target is this future's error too.
      if (this._isUnhandled()) trackUnhandled(this);
      return;
    }
    const onF = this._onF;
    const onR = this._onR;
    const child = this._child;
    this._onF = this._onR = this._child = undefined;
    if (!(bits & MORE)) return end._listen(onF as Fn | undefined, onR, child, bits & ASYNC_1 ? ASYNC : 0);
    const all = onF as unknown[];
    for (let i = 0; i < all.length; i += 4) {
      end._listen(all[i] as Fn, all[i + 1] as Fn, all[i + 2] as Future, all[i + 3] as number);
    }
  }

  private _adopt(thenable: unknown, then: Fn): void {
    this._bits |= LOCKED;
    let called = false;
    const unlock = (): boolean => {
      if (called) return false;
      called = true;
      this._bits &= ~LOCKED;
      return true;
    };
    try {
      then.call(
        thenable,
        (v: unknown) => unlock() && this._resolve(v),
        (e: unknown) => unlock() && this._reject(e),
      );
    } catch (e) {
      if (unlock()) this._reject(e);
    }
  }

  /**
   * Runs the listeners of a future that just settled. With `tail` it only flags them READY: the
   * caller, `_drive`, runs them next in its loop instead of recursing.
   */
  private _settled(tail: boolean): void {
    const hook = finishHook;
    if (hook !== null) {
      this._bits |= DEFERRED;
      hook(() => {
        this._bits &= ~DEFERRED;
        this._runListeners();
      });
    } else if (this._bits & LISTENED) {
      if (tail) this._bits |= READY;
      else this._runListeners();
    }
  }

  private _runListeners(): void {
    const bits = this._bits;
    if (!(bits & LISTENED)) return;
    const onF = this._onF;
    const onR = this._onR;
    const child = this._child;
    // Detach first, so a listener attached from inside a callback runs at once (blackbird B13).
    this._bits = bits & ~(LISTENED | ASYNC_1 | MORE);
    this._onF = this._onR = this._child = undefined;
    if (!(bits & MORE)) return run(this, onF as Fn | undefined, onR, child, bits & ASYNC_1 ? ASYNC : 0);
    const all = onF as unknown[];
    for (let i = 0; i < all.length; i += 4) {
      run(this, all[i] as Fn, all[i + 1] as Fn, all[i + 2] as Future, all[i + 3] as number);
    }
  }

  /**
   * @internal Runs one listener of this settled future, synchronous or (from the microtask queue)
   * Promise-face as `mode` says. Then, while the future it settled has exactly one listener of
   * the same kind, runs that one too: chains loop here instead of recursing. (A Promise-face one
   * only while nothing else is queued: queueing it would just hand it straight back.)
   */
  _drive(onF: Fn | undefined, onR: Fn | undefined, child: Future | undefined, mode: number): void {
    const next = mode === ASYNC ? ASYNC_1 : 0; // the kind of sole listener the loop goes on with
    let src: Future = this;
    for (;;) {
      let bits = -1; // the settled child's bits when `_drive` goes on with it, else -1
      if (child !== undefined && onF !== undefined && (src._bits & (STATE | MULTI)) === FULFILLED) {
        // The usual link: one value into a callback.
        const r = attempt(onF, src._value, false, mode);
        const cbits = child._bits;
        if (
          // the common primitives, tested the way the JIT compiles best; the rest take the long way
          (typeof r === 'number' || typeof r === 'string' || r === undefined || typeof r === 'boolean') &&
          // pending, with no listener yet or a sole one of this kind
          (cbits & (STATE | LOCKED | ASYNC_1 | MORE)) === (cbits & LISTENED ? next : 0) &&
          finishHook === null &&
          top === 0 &&
          (next === 0 || microNext === microTop)
        ) {
          // A plain value: what `_fulfill` and `_settled` would do, without flagging READY first.
          bits = cbits | FULFILLED;
          child._value = r;
        } else {
          child._settleWith(r, true);
        }
      } else {
        src._invoke(onF, onR, child, mode, true);
      }
      if (bits < 0) {
        if (top !== 0) drainDeep(); // what was queued meanwhile goes first
        if (child === undefined || (bits = child._goOn(next)) < 0) return;
      }
      src = child!;
      src._bits = bits & ~(READY | LISTENED | ASYNC_1);
      if (!(bits & LISTENED)) return; // the end of a chain
      onF = src._onF as Fn | undefined;
      onR = src._onR;
      child = src._child;
      src._onF = src._onR = src._child = undefined;
    }
  }

  /**
   * After a settlement in tail position: this future's bits when `_drive` goes on with its sole
   * listener, of kind `next`; else -1, having run its listeners the usual way if it is READY.
   */
  private _goOn(next: number): number {
    const bits = this._bits;
    if (!(bits & READY)) return -1;
    if ((bits & (ASYNC_1 | MORE)) !== next || (next === ASYNC_1 && microNext !== microTop)) {
      this._bits = bits & ~READY;
      this._runListeners();
      return -1;
    }
    return bits;
  }

  /**
   * @internal Calls the handler for this (settled) future's outcome and settles `child` with it,
   * unless the child's owner settled it meanwhile (the first outcome wins). With `tail`, see
   * `_settled`.
   */
  _invoke(onF: Fn | undefined, onR: Fn | undefined, child: Future | undefined, mode: number, tail = false): void {
    const bits = this._bits;
    const ok = (bits & STATE) === FULFILLED;
    const fn = ok ? onF : onR;
    if (fn === undefined) {
      if (child === undefined || !child._open()) return;
      if (ok) child._fulfill(this._value, bits & MULTI, tail);
      else {
        if (bits & SILENCED) child._silence();
        child._reject(this._value, tail);
      }
      return;
    }
    const r = attempt(fn, this._value, ok && (bits & MULTI) !== 0, mode);
    if (child !== undefined) child._settleWith(r, tail);
  }

  /**
   * Settles with what a handler returned, or threw (see `attempt`), unless its owner settled it
   * first: then a throw has no future left to land in and is reported as lost.
   */
  private _settleWith(r: unknown, tail: boolean): void {
    if (!this._open()) {
      if (r instanceof Thrown) trackLost(r.error, this);
    } else if (r instanceof Thrown) this._reject(r.error, tail);
    else this._resolve(r, tail);
  }
}

// Brand so that two copies of this library recognise each other's futures.
const BRAND = Symbol.for('cl-async.future');
Object.defineProperty(Future.prototype, BRAND, { value: true });

function isObjectLike(x: unknown): x is object {
  return x !== null && (typeof x === 'object' || typeof x === 'function');
}

/** What a handler threw, as `attempt` returns it. */
class Thrown {
  constructor(readonly error: unknown) {}
}

/**
 * Calls a handler; a throw comes back as a `Thrown` (or propagates with `debugOnError`). With
 * `multi`, `value` holds all the values: `attach` gets them all, `then` the first.
 */
function attempt(fn: Fn, value: unknown, multi: boolean, mode: number): unknown {
  if (debugOnError === true) return callHandler(fn, value, multi, mode);
  try {
    return callHandler(fn, value, multi, mode);
  } catch (e) {
    return new Thrown(e);
  }
}

function callHandler(fn: Fn, value: unknown, multi: boolean, mode: number): unknown {
  if (!multi) return fn(value);
  const all = value as unknown[];
  return mode === ASYNC ? fn(all[0]) : fn.apply(undefined, all);
}

// ---- scheduling ------------------------------------------------------------------------------
//
// Synchronous listeners run nested, as cl-async does, up to MAX_DEPTH levels. Deeper ones are
// pushed on `deep` and run by the loop at MAX_DEPTH, depth first, so long chains over settled
// futures cannot overflow the stack. Promise-face listeners go to one microtask-drained queue.

const MAX_DEPTH = 100;
const STRIDE = 5;
var depth = 0; // `var`: see `finishHook`
// A stack of listeners, STRIDE slots each; `top` moves instead of the array length, which is slow to change.
const deep: unknown[] = [];
var top = 0;
// Promise-face listeners, four slots each, drained by one microtask. Each drain gets a new array:
// a young array takes stores of young futures without the old-to-new write barrier.
var micro: unknown[] = [];
var microTop = 0;
var microNext = 0; // the entry after the one running

function run(src: Future, onF: Fn | undefined, onR: Fn | undefined, child: Future | undefined, mode: number): void {
  if (mode === ASYNC) {
    if (microTop === 0) {
      queueMicrotask(drainMicro);
      micro = [];
    }
    micro[microTop] = src;
    micro[microTop + 1] = onF;
    micro[microTop + 2] = onR;
    micro[microTop + 3] = child;
    microTop += 4;
  } else if (depth >= MAX_DEPTH) {
    deep[top] = src;
    deep[top + 1] = onF;
    deep[top + 2] = onR;
    deep[top + 3] = child;
    deep[top + 4] = mode;
    top += STRIDE;
  } else {
    depth++;
    try {
      src._drive(onF, onR, child, 0);
    } finally {
      depth--;
    }
  }
}

function drainDeep(): void {
  reverseFrom(0);
  try {
    while (top !== 0) {
      top -= STRIDE;
      const src = deep[top] as Future;
      const onF = deep[top + 1] as Fn | undefined;
      const onR = deep[top + 2] as Fn | undefined;
      const child = deep[top + 3] as Future | undefined;
      const mode = deep[top + 4] as number;
      deep[top] = deep[top + 1] = deep[top + 2] = deep[top + 3] = undefined;
      const base = top;
      src._invoke(onF, onR, child, mode);
      if (top - base > STRIDE) reverseFrom(base); // what it queued runs next, in queue order
    }
  } finally {
    top = 0; // only matters when debugOnError lets an error escape
  }
}

function reverseFrom(base: number): void {
  for (let i = base, j = top - STRIDE; i < j; i += STRIDE, j -= STRIDE) {
    for (let k = 0; k < STRIDE; k++) {
      const t = deep[i + k];
      deep[i + k] = deep[j + k];
      deep[j + k] = t;
    }
  }
}

function drainMicro(): void {
  const q = micro; // stays the queue until the drain ends (microTop > 0)
  let i = 0;
  try {
    for (; i < microTop; i += 4) {
      const src = q[i] as Future;
      const onF = q[i + 1] as Fn | undefined;
      const onR = q[i + 2] as Fn | undefined;
      const child = q[i + 3] as Future | undefined;
      q[i] = q[i + 1] = q[i + 2] = q[i + 3] = undefined;
      microNext = i + 4;
      src._drive(onF, onR, child, ASYNC);
    }
  } finally {
    // Normally everything ran. If debugOnError let an error out, keep the rest for a new drain.
    if (i + 4 < microTop) {
      micro = q.slice(i + 4, microTop);
      microTop = micro.length;
      queueMicrotask(drainMicro);
    } else {
      microTop = 0;
    }
  }
}

// ---- unhandled errors ------------------------------------------------------------------------

let unhandled: Future[] = [];
/** Errors thrown by handlers whose future was already settled by its owner, with it. */
let lost: unknown[] = [];
let reportQueued = false;

function trackUnhandled(f: Future): void {
  unhandled.push(f);
  queueReport();
}

function trackLost(err: unknown, f: Future): void {
  lost.push(err, f);
  queueReport();
}

function queueReport(): void {
  if (reportQueued) return;
  reportQueued = true;
  setImmediate(reportUnhandled);
}

function reportUnhandled(): void {
  const list = unhandled;
  const thrown = lost;
  unhandled = [];
  lost = [];
  reportQueued = false;
  for (let i = 0; i < thrown.length; i += 2) report(thrown[i], thrown[i + 1] as Future);
  for (const f of list) if (f._isUnhandled()) report(f.error, f);
}

function report(err: unknown, f: Future): void {
  try {
    Future.onUnhandledError(err, f);
  } catch (e) {
    reportToStderr(e, f);
  }
}

function reportToStderr(err: unknown, future: Future): void {
  const what = err instanceof Error ? (err.stack ?? String(err)) : String(err);
  const name = future.name ? ` "${future.name}"` : '';
  process.stderr.write(`cl-async: unhandled error in future${name}: ${what}\n`);
}

// ---- functions: both vocabularies -----------------------------------------------------------

export function makeFuture<T = any>(opts?: FutureOptions): Future<T> {
  return new Future<T>(opts);
}

export function futurep(x: unknown): x is Future {
  return x instanceof Future || (isObjectLike(x) && (x as Record<symbol, unknown>)[BRAND] === true);
}

export function finish<F extends Future>(future: F, ...values: unknown[]): F {
  return future.finish(...values);
}

export function signalError<F extends Future>(future: F, err: unknown): F {
  return future.signalError(err);
}

/** Follows forwarding to the future that will really settle; a non-future comes back as is. */
export function lookupForwardedFuture<X>(x: X): X | Future {
  return x instanceof Future ? x.lookupForwarded() : x;
}

/**
 * A future for anything: a Future is itself; a `Values` or value is a finished future; a
 * thenable is adopted. `attach(values(f, 2), cb)` therefore attaches to `f`.
 */
export function toFuture<G>(x: G): Future<FirstValue<G>> {
  if (x instanceof Future) return x;
  if (x instanceof Values && x.items[0] instanceof Future) return x.items[0];
  const f = new Future();
  f._resolve(x);
  return f;
}

/** `attach` on anything (see `toFuture`): cl-async's `(attach future-gen cb)`. */
export function attach<G, R>(gen: G, cb: (value: FirstValue<G>, ...rest: any[]) => R): Future<Settled<R>>;
export function attach<G, R, E>(
  gen: G,
  cb: ((value: FirstValue<G>, ...rest: any[]) => R) | null | undefined,
  eb: (err: any) => E,
): Future<Settled<R> | Settled<E>>;
export function attach(gen: unknown, cb?: Fn | null, eb?: Fn): Future {
  return toFuture(gen).attach(cb, eb as Fn);
}

export function attachErrback<G, E>(gen: G, eb: (err: any) => E): Future<FirstValue<G> | Settled<E>> {
  return toFuture(gen).attachErrback(eb);
}

export {
  makeFuture as makePromise,
  futurep as promisep,
  finish as resolve,
  signalError as reject,
  lookupForwardedFuture as lookupForwardedPromise,
};
