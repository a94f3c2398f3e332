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

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;
const FORWARDED = 3; // listeners moved to `_value`, the future this one forwards to

const LOCKED = 1; // adopting a foreign thenable: later finish/signalError are ignored
const HANDLED = 2; // someone listened; suppresses the unhandled-error report
const DEFERRED = 4; // settled, but `Future.finishHook` has not run the listeners yet
const SILENCED = 8; // its error was taken by a handler-case clause: never reported, nor downstream

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

export class Future<T = any> implements PromiseLike<T> {
  /** Receives every errored future nobody listened to, one macrotask after it errored. */
  static onUnhandledError: UnhandledErrorHandler = reportToStderr;
  /** When set, runs each settlement's listeners (blackbird's `*promise-finish-hook*`). */
  static finishHook: ((run: () => void) => void) | null = null;
  /** When true, errors thrown by callbacks and executors propagate instead of rejecting. */
  static debugOnError = false;

  // Fields are assigned in the constructor (not as class fields) so V8 builds one fast shape.
  declare readonly name: string | undefined;
  private declare _state: number;
  private declare _flags: number;
  private declare _value: any; // first value, error, or forward target
  private declare _values: unknown[] | undefined; // all values when there are not exactly one
  // The first listener lives inline; the rest go to `_more` four slots each.
  private declare _count: number;
  private declare _onF: Fn | undefined;
  private declare _onR: Fn | undefined;
  private declare _child: Future | undefined;
  private declare _mode: number;
  private declare _more: unknown[] | undefined;

  constructor(opts?: FutureOptions) {
    this.name = opts?.name;
    this._state = PENDING;
    this._flags = 0;
    this._value = undefined;
    this._values = undefined;
    this._count = 0;
    this._onF = undefined;
    this._onR = undefined;
    this._child = undefined;
    this._mode = 0;
    this._more = undefined;
  }

  // ---- producer side ------------------------------------------------------------------------

  /**
   * Settle with `values`. A future (or thenable) as the first value forwards this one to it; a
   * sole `Values` argument is spread. Ignored once settled, forwarded or adopting.
   */
  finish(...values: unknown[]): this {
    if (this._state === PENDING && !(this._flags & LOCKED)) {
      if (values.length === 1) this._resolve(values[0]);
      else this._resolveMany(values);
    }
    return this;
  }

  /** Reject with `err` (any value, even `undefined`). Ignored once settled. */
  signalError(err: unknown): this {
    if (this._state === PENDING && !(this._flags & LOCKED)) this._reject(err);
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
    if (this._state !== FORWARDED) return this;
    let end: Future = this._value;
    while (end._state === FORWARDED) end = end._value;
    this._value = end; // path compression keeps long chains cheap
    return end;
  }

  get state(): 'pending' | 'fulfilled' | 'rejected' {
    const s = this.lookupForwarded()._state;
    return s === FULFILLED ? 'fulfilled' : s === REJECTED ? 'rejected' : 'pending';
  }

  /** True once finished with values (following forwarding). */
  get finished(): boolean {
    return this.lookupForwarded()._state === FULFILLED;
  }

  get errored(): boolean {
    return this.lookupForwarded()._state === REJECTED;
  }

  /** All the values once finished, else `undefined`. */
  get values(): unknown[] | undefined {
    const f = this.lookupForwarded();
    if (f._state !== FULFILLED) return undefined;
    return f._values === undefined ? [f._value] : f._values.slice();
  }

  /** The error once errored, else `undefined`. Reading it does not count as handling it. */
  get error(): unknown {
    const f = this.lookupForwarded();
    return f._state === REJECTED ? f._value : undefined;
  }

  // ---- internals ----------------------------------------------------------------------------

  /** @internal Register a listener; runs it now (or queues it) when already settled. */
  _listen(onF: Fn | undefined, onR: Fn | undefined, child: Future | undefined, mode: number): void {
    this._flags |= HANDLED;
    const f = this._state === FORWARDED ? this.lookupForwarded() : this;
    f._flags |= HANDLED;
    if (f._state === PENDING || f._flags & DEFERRED) {
      if (f._count++ === 0) {
        f._onF = onF;
        f._onR = onR;
        f._child = child;
        f._mode = mode;
      } else if (f._more === undefined) {
        f._more = [onF, onR, child, mode];
      } else {
        f._more.push(onF, onR, child, mode);
      }
    } else {
      run(f, onF, onR, child, mode);
    }
  }

  /** @internal Mark as handled so a rejection is not reported. */
  _markHandled(): void {
    this._flags |= HANDLED;
  }

  /** @internal Its error was dealt with: report neither it nor the futures it flows to. */
  _silence(): void {
    this._flags |= HANDLED | SILENCED;
  }

  /** @internal */
  _isUnhandled(): boolean {
    if (this._flags & HANDLED) return false;
    const end = this.lookupForwarded();
    return end._state === REJECTED && !(end._flags & SILENCED);
  }

  /** @internal The resolution procedure for one value (A+ 2.3). */
  _resolve(x: unknown): void {
    if (isObjectLike(x)) {
      if (x instanceof Future) return this._forward(x);
      if (x instanceof Values) return this._resolveMany(x.items);
      let then: unknown;
      try {
        then = (x as PromiseLike<unknown>).then;
      } catch (e) {
        return this._reject(e);
      }
      if (typeof then === 'function') return this._adopt(x, then as Fn);
    }
    this._fulfill(x, undefined);
  }

  private _resolveMany(items: unknown[]): void {
    const first = items[0];
    if (items.length === 1 || (isObjectLike(first) && 'then' in first)) {
      this._resolve(first); // a future or thenable as first value decides; the rest are dropped
    } else {
      this._fulfill(first, items);
    }
  }

  private _fulfill(value: unknown, all: unknown[] | undefined): void {
    this._state = FULFILLED;
    this._value = value;
    this._values = all;
    this._settled();
  }

  /** @internal */
  _reject(err: unknown): void {
    this._state = REJECTED;
    this._value = err;
    if (!(this._flags & HANDLED)) trackUnhandled(this);
    this._settled();
  }

  private _forward(target: Future): void {
    const end = target.lookupForwarded();
    if (end === this) return this._reject(new TypeError('Future cannot be forwarded to itself'));
    this._state = FORWARDED;
    this._value = end;
    const n = this._count;
    if (n === 0) {
      // Nobody listens here yet: an error already on the target is this future's error too.
      if (this._isUnhandled()) trackUnhandled(this);
      return;
    }
    const more = this._more;
    this._count = 0;
    this._more = undefined;
    end._listen(this._onF, this._onR, this._child, this._mode);
    this._onF = this._onR = this._child = undefined;
    if (more !== undefined) {
      for (let i = 0; i < more.length; i += 4) {
        end._listen(more[i] as Fn, more[i + 1] as Fn, more[i + 2] as Future, more[i + 3] as number);
      }
    }
  }

  private _adopt(thenable: unknown, then: Fn): void {
    this._flags |= LOCKED;
    let called = false;
    const unlock = (): boolean => {
      if (called) return false;
      called = true;
      this._flags &= ~LOCKED;
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

  private _settled(): void {
    const hook = Future.finishHook;
    if (hook !== null) {
      this._flags |= DEFERRED;
      hook(() => {
        this._flags &= ~DEFERRED;
        this._runListeners();
      });
    } else if (this._count !== 0) {
      if (this === tailCandidate) ready = this; // `_drive` takes over without recursing
      else this._runListeners();
    }
  }

  private _runListeners(): void {
    const n = this._count;
    if (n === 0) return;
    const onF = this._onF;
    const onR = this._onR;
    const child = this._child;
    const mode = this._mode;
    const more = this._more;
    // Detach first, so a listener attached from inside a callback runs at once (blackbird B13).
    this._count = 0;
    this._onF = this._onR = this._child = this._more = undefined;
    run(this, onF, onR, child, mode);
    if (more !== undefined) {
      for (let i = 0; i < more.length; i += 4) {
        run(this, more[i] as Fn, more[i + 1] as Fn, more[i + 2] as Future, more[i + 3] as number);
      }
    }
  }

  /**
   * @internal Runs one synchronous listener; then, while the future it settled has exactly one
   * synchronous listener, runs that one too: plain chains loop here instead of recursing.
   */
  _drive(onF: Fn | undefined, onR: Fn | undefined, child: Future | undefined, mode: number): void {
    let src: Future = this;
    for (;;) {
      src._invoke(onF, onR, child, mode, true);
      if (top !== 0) drainDeep();
      const next = ready;
      if (next === null) return;
      ready = null;
      if (next._count !== 1 || next._mode === ASYNC) return next._runListeners();
      src = next;
      onF = next._onF;
      onR = next._onR;
      child = next._child;
      mode = next._mode;
      next._count = 0;
      next._onF = next._onR = next._child = undefined;
    }
  }

  /**
   * @internal Calls the handler for this (settled) future's outcome and settles `child` with it.
   * With `tail`, a child that settles leaves its listeners to the caller (see `_drive`).
   */
  _invoke(onF: Fn | undefined, onR: Fn | undefined, child: Future | undefined, mode: number, tail = false): void {
    const ok = this._state === FULFILLED;
    const fn = ok ? onF : onR;
    if (fn === undefined) {
      if (child === undefined) return;
      if (tail) tailCandidate = child;
      if (ok) child._fulfill(this._value, this._values);
      else {
        if (this._flags & SILENCED) child._silence();
        child._reject(this._value);
      }
      tailCandidate = null;
      return;
    }
    let r: unknown;
    if (Future.debugOnError) {
      r = callHandler(fn, ok, this._value, mode === ASYNC ? undefined : this._values);
    } else {
      try {
        r = callHandler(fn, ok, this._value, mode === ASYNC ? undefined : this._values);
      } catch (e) {
        if (child !== undefined) child._reject(e);
        return;
      }
    }
    if (child !== undefined) {
      if (tail) tailCandidate = child;
      child._resolve(r);
      tailCandidate = null;
    }
  }
}

// Brand so that two copies of this library recognise each other's futures.
const BRAND = Symbol.for('cl-async.future');
Object.defineProperty(Future.prototype, BRAND, { value: true });

function isObjectLike(x: unknown): x is object {
  return x !== null && (typeof x === 'object' || typeof x === 'function');
}

function callHandler(fn: Fn, ok: boolean, value: unknown, all: unknown[] | undefined): unknown {
  if (!ok || all === undefined) return fn(value);
  return fn.apply(undefined, all);
}

// ---- scheduling ------------------------------------------------------------------------------
//
// Synchronous listeners run nested, as cl-async does, up to MAX_DEPTH levels. Deeper ones are
// pushed on `deep` and run by the loop at MAX_DEPTH, depth first, so long chains over settled
// futures cannot overflow the stack. Promise-face listeners go to one microtask-drained queue.

const MAX_DEPTH = 100;
const STRIDE = 5;
let depth = 0;
// A stack of listeners, STRIDE slots each; `top` moves instead of the array length, which is slow to change.
const deep: unknown[] = [];
let top = 0;
// The child `_invoke` is settling in tail position, and, once settled, the one `_drive` runs next.
let tailCandidate: Future | null = null;
let ready: Future | null = null;
const micro: unknown[] = []; // Promise-face listeners, drained by one microtask
let microTop = 0;

function run(src: Future, onF: Fn | undefined, onR: Fn | undefined, child: Future | undefined, mode: number): void {
  if (mode === ASYNC) {
    if (microTop === 0) queueMicrotask(drainMicro);
    micro[microTop] = src;
    micro[microTop + 1] = onF;
    micro[microTop + 2] = onR;
    micro[microTop + 3] = child;
    microTop += STRIDE;
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
      src._drive(onF, onR, child, mode);
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
  let i = 0;
  try {
    for (; i < microTop; i += STRIDE) {
      const src = micro[i] as Future;
      const onF = micro[i + 1] as Fn | undefined;
      const onR = micro[i + 2] as Fn | undefined;
      const child = micro[i + 3] as Future | undefined;
      micro[i] = micro[i + 1] = micro[i + 2] = micro[i + 3] = undefined;
      src._invoke(onF, onR, child, ASYNC);
    }
  } finally {
    // Normally everything ran. If debugOnError let an error out, keep the rest for a new drain.
    const rest = micro.splice(i + STRIDE, microTop - i - STRIDE);
    microTop = 0;
    if (micro.length > 65536) micro.length = 0; // let a large burst's backing store go
    if (rest.length !== 0) {
      queueMicrotask(drainMicro);
      for (let k = 0; k < rest.length; k++) micro[k] = rest[k];
      microTop = rest.length;
    }
  }
}

// ---- unhandled errors ------------------------------------------------------------------------

let unhandled: Future[] = [];

function trackUnhandled(f: Future): void {
  if (unhandled.push(f) === 1) setImmediate(reportUnhandled);
}

function reportUnhandled(): void {
  const list = unhandled;
  unhandled = [];
  for (const f of list) {
    if (!f._isUnhandled()) continue;
    try {
      Future.onUnhandledError(f.error, f);
    } catch (e) {
      reportToStderr(e, f);
    }
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
