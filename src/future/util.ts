/**
 * Helpers over futures: creating them, handling their errors, and walking lists of them.
 * Every function accepts futures, thenables, `values(...)` or plain values where a future goes.
 */
import { attach, Future, FirstValue, Settled, toFuture, values } from './future';

// ---- creating futures ------------------------------------------------------------------------

export type Resolver = (...values: unknown[]) => void;
export type Rejecter = (err: unknown) => void;

/**
 * blackbird's `create-promise`: `executor(resolve, reject)`; `resolve(values(1, 2))` equals
 * `resolve(1, 2)`, and a throw rejects (unless `Future.debugOnError`).
 */
export function createPromise<T = any>(
  executor: (resolve: Resolver, reject: Rejecter) => unknown,
  opts?: { name?: string },
): Future<T> {
  const f = new Future<T>(opts);
  const resolve: Resolver = (...vs) => void f.finish(...vs);
  const reject: Rejecter = (err) => void f.signalError(err);
  if (Future.debugOnError) {
    executor(resolve, reject);
  } else {
    try {
      executor(resolve, reject);
    } catch (e) {
      f.signalError(e);
    }
  }
  return f;
}

/**
 * A future for `x`: a Future is returned as the same object; a thunk is called and a throw
 * becomes a rejected future; anything else is wrapped (thenables adopted, `values` spread).
 */
export function promisify<R>(thunk: () => R): Future<Settled<R>>;
export function promisify<G>(value: G): Future<FirstValue<G>>;
export function promisify(x: unknown): Future {
  if (typeof x !== 'function') return toFuture(x);
  if (Future.debugOnError) return toFuture(x());
  try {
    return toFuture(x());
  } catch (e) {
    return new Future().signalError(e);
  }
}

// ---- errors --------------------------------------------------------------------------------

export type ErrorClass = abstract new (...args: any[]) => unknown;
/** Which errors a clause takes: instances of a class, those a predicate accepts, or all (`true`). */
export type Matcher = ErrorClass | ((err: any) => unknown) | true;
export type Clause<R = unknown> = readonly [Matcher, (err: any) => R];

function isClass(m: Function): m is ErrorClass {
  const proto: unknown = m.prototype;
  if (proto === undefined) return false; // arrow functions
  return m === Error || proto instanceof Error || /^class\b/.test(Function.prototype.toString.call(m));
}

/** The first clause that takes `err`, as `handler-case` picks it. */
export function findClause(clauses: readonly Clause[], err: unknown): Clause | undefined {
  for (const clause of clauses) {
    const m = clause[0];
    if (m === true || (isClass(m) ? err instanceof m : m(err))) return clause;
  }
  return undefined;
}

/**
 * blackbird's `catcher`: on error, the first matching clause's handler supplies the result (all
 * its values); an error no clause takes rejects the returned future again. Values pass through.
 */
export function catcher<G, C extends Clause<any>[]>(
  gen: G,
  ...clauses: C
): Future<FirstValue<G> | Settled<ReturnType<C[number][1]>>> {
  return toFuture(gen).attachErrback((err) => {
    const clause = findClause(clauses, err);
    if (clause === undefined) throw err;
    return clause[1](err);
  }) as Future<FirstValue<G> | Settled<ReturnType<C[number][1]>>>;
}

/** Wait for `result` (a value or future), then settle like `outcome` did. */
function thenRestore(result: unknown, outcome: Future): Future {
  return attach(result, () => outcome);
}

/**
 * Calls `fn` with the values once `gen` finishes, waits for its result, then resolves with the
 * original values. Errors of `gen` pass through; a throw or rejection in `fn` rejects.
 */
export function tap<G>(gen: G, fn: (value: FirstValue<G>, ...rest: any[]) => unknown): Future<FirstValue<G>> {
  const src = toFuture(gen);
  return src.attach((...vs: any[]) => thenRestore((fn as Function)(...vs), src)) as Future<FirstValue<G>>;
}

/**
 * Runs `fn` whether `gen` finishes or errors, waits for its result, then passes the original
 * outcome (all values, or the error) on. A throw or rejection in `fn` rejects instead.
 */
export function finally_<G>(gen: G, fn: () => unknown): Future<FirstValue<G>> {
  const src = toFuture(gen);
  const after = (): Future => thenRestore(fn(), src);
  return src.attach(after, after) as Future<FirstValue<G>>;
}

// ---- lists ---------------------------------------------------------------------------------

type IsAny<X> = 0 extends 1 & X ? true : false;
/** The element type of a list or of a future of one (`any` where that is not known). */
type Item<L> = IsAny<Awaited<L>> extends true ? any : Awaited<L> extends readonly (infer E)[] ? FirstValue<E> : any;

/** Lisp truth: only `null`, `undefined` and `false` are false (0 and '' are true). */
export function isTrue(x: unknown): boolean {
  return x !== null && x !== undefined && x !== false;
}

function listFuture(list: unknown): Future<any[]> {
  return toFuture(list) as Future<any[]>;
}

/** First values of `items`, by index; the first error rejects. */
function gather(items: readonly unknown[]): Future<unknown[]> {
  const out = new Future<unknown[]>();
  const results = new Array<unknown>(items.length);
  let left = items.length;
  if (left === 0) return out.finish(results);
  const fail = (err: unknown): void => void out.signalError(err);
  items.forEach((item, i) => {
    const done = (v: unknown): void => {
      results[i] = v;
      if (--left === 0) out.finish(results);
    };
    toFuture(item)._listen(done, fail, undefined, 0);
  });
  return out;
}

/** Resolves with the first values of every element, in order; the first error rejects. */
export function all<L>(list: L): Future<Item<L>[]> {
  return listFuture(list).attach((items) => gather(items)) as Future<Item<L>[]>;
}

/**
 * `fn` on every element's first value in parallel (its results awaited), results in order.
 * `list` may itself be a future of a list. `amap(fn, [])` resolves with `[]`.
 */
export function amap<L, R>(fn: (item: Item<L>, index: number) => R, list: L): Future<Settled<R>[]> {
  return listFuture(list).attach((items) =>
    gather(items.map((item, i) => attach(item, (v: any) => fn(v, i)))),
  ) as Future<Settled<R>[]>;
}

/**
 * `fn` on each element in turn, waiting for the element and for `fn`'s result before the next;
 * resolves with no values. An error stops the loop and rejects.
 */
export function aeach<L>(fn: (item: Item<L>, index: number) => unknown, list: L): Future<undefined> {
  return listFuture(list).attach((items) => {
    const step = (i: number): unknown =>
      i === items.length
        ? values()
        : attach(
            attach(items[i], (v: any) => fn(v, i)),
            () => step(i + 1),
          );
    return step(0);
  }) as Future<undefined>;
}

/** cl-async's `(adolist (item items) body)`: `aeach` with the items first. */
export function adolist<L>(items: L, fn: (item: Item<L>, index: number) => unknown): Future<undefined> {
  return aeach(fn, items);
}

/**
 * Reduces the elements in order; `fn` may return a future. Without `initial`, the first element
 * starts, as `Array.prototype.reduce` does.
 */
export function areduce<L, A>(fn: (acc: A, item: Item<L>) => A | PromiseLike<A>, list: L, initial?: A): Future<A> {
  const seeded = arguments.length >= 3;
  return attach(all(list), (items: any[]) => {
    if (!seeded && items.length === 0) throw new TypeError('areduce of an empty list with no initial value');
    const rest = seeded ? items : items.slice(1);
    return rest.reduce((acc: unknown, x) => attach(acc, (a: any) => fn(a, x)), seeded ? initial : items[0]);
  }) as Future<A>;
}

/** Keeps the elements `fn` says yes to (Lisp truth, see `isTrue`); `fn` may return a future. */
export function afilter<L>(fn: (item: Item<L>) => unknown, list: L): Future<Item<L>[]> {
  return attach(all(list), (items: any[]) =>
    attach(amap(fn as (item: unknown) => unknown, items), (keep: unknown[]) => items.filter((_, i) => isTrue(keep[i]))),
  ) as Future<Item<L>[]>;
}

// ---- chain ---------------------------------------------------------------------------------

/** One step of `chain`, as blackbird's `(:then ...)`, `(:map ...)` etc. */
export type ChainOp =
  | readonly ['then' | 'attach', (...vals: any[]) => unknown]
  | readonly ['map', (item: any, index: number) => unknown]
  | readonly ['reduce', (acc: any, item: any) => unknown, unknown?]
  | readonly ['filter', (item: any) => unknown]
  | readonly ['all']
  | readonly ['catch' | 'catcher', (err: any) => unknown]
  | readonly ['finally', () => unknown];

/**
 * Threads `gen` through `ops` in order. `then` is a synchronous multi-value `attach`; `catch` takes
 * every error (no type dispatch, as in blackbird).
 */
export function chain(gen: unknown, ...ops: ChainOp[]): Future {
  return ops.reduce<Future>((f, op) => {
    switch (op[0]) {
      case 'then':
      case 'attach':
        return f.attach(op[1]);
      case 'map':
        return amap(op[1], f);
      case 'reduce':
        return op.length >= 3 ? areduce(op[1], f, op[2]) : areduce(op[1], f);
      case 'filter':
        return afilter(op[1], f);
      case 'all':
        return all(f);
      case 'catch':
      case 'catcher':
        return f.attachErrback(op[1]);
      case 'finally':
        return finally_(f, op[1]);
      default:
        throw new TypeError(`chain: unknown operation ${String((op as readonly unknown[])[0])}`);
    }
  }, toFuture(gen));
}

export { createPromise as withPromise, finally_ as finally };
