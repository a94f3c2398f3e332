/**
 * The cl-async / blackbird binding macros as functions: alet, aletStar, multipleFutureBind,
 * waitFor, aif, walk, walk1, and futureHandlerCase, whose scope object offers the same forms with
 * its error clauses applied.
 */
import { attach, Future, FirstValue, Settled, toFuture, values } from './future';
import { all, Clause, findClause, isTrue } from './util';

type AttachFn = (gen: unknown, cb: (...vals: any[]) => unknown) => Future;

type FirstValues<B> = { [K in keyof B]: FirstValue<B[K]> };

export interface Syntax {
  /**
   * Binds the first value of each future, in parallel, then runs `body`:
   * `alet([fx, fy], (x, y) => …)` or `alet({ x: fx, y: fy }, ({ x, y }) => …)`.
   * The first binding error rejects the result.
   */
  alet<B extends readonly unknown[], R>(bindings: [...B], body: (...vals: FirstValues<B>) => R): Future<Settled<R>>;
  alet<B extends Record<string, unknown>, R>(bindings: B, body: (vals: FirstValues<B>) => R): Future<Settled<R>>;
  /** Sequential bindings: step i receives the first values bound before it. */
  aletStar<R>(steps: readonly ((...prev: any[]) => unknown)[], body: (...vals: any[]) => R): Future<Settled<R>>;
  /** `attach` by another name: `body` receives every value. */
  multipleFutureBind<G, R>(gen: G, body: (value: FirstValue<G>, ...rest: any[]) => R): Future<Settled<R>>;
  /** Runs `body` once `gen` finishes, ignoring its values. */
  waitFor<R>(gen: unknown, body: () => R): Future<Settled<R>>;
  /** `thenFn` unless the first value is `null`, `undefined` or `false`, else `elseFn`. */
  aif<G, A, B = undefined>(
    gen: G,
    thenFn: (value: FirstValue<G>) => A,
    elseFn?: (value: FirstValue<G>) => B,
  ): Future<Settled<A> | Settled<B>>;
  /** Runs the thunks one after another, each once the previous one's future finished; the last's values. */
  walk(...thunks: (() => unknown)[]): Future;
  /** As `walk`, but resolves with the values of `first` (a future, value or thunk). */
  walk1(first: unknown, ...thunks: (() => unknown)[]): Future;
}

const identity = (v: unknown): unknown => v;
const force = (x: unknown): unknown => (typeof x === 'function' ? x() : x);

/** The binding forms, built on one `attach` (the plain one, or a handler scope's). */
function syntaxOver(attachFn: AttachFn): Syntax {
  const walk = (...thunks: unknown[]): Future => {
    const last = thunks.length - 1;
    const step = (i: number): unknown => {
      const r = force(thunks[i]);
      return i === last ? r : attachFn(r, () => step(i + 1));
    };
    // Inside a callback, so a throw from the first thunk rejects instead of escaping.
    return attachFn(undefined, () => (last < 0 ? undefined : step(0)));
  };

  return {
    alet(bindings: readonly unknown[] | Record<string, unknown>, body: (...args: any[]) => unknown): Future {
      const keys = Array.isArray(bindings) ? undefined : Object.keys(bindings);
      const gens: readonly unknown[] = keys ? keys.map((k) => (bindings as Record<string, unknown>)[k]) : bindings as unknown[];
      // Completion is counted by binding index, so the same future bound twice still runs the body.
      const bound = all(gens.map((g) => attachFn(g, identity)));
      return attachFn(bound, (vals: unknown[]) =>
        keys ? body(Object.fromEntries(keys.map((k, i) => [k, vals[i]]))) : body(...vals),
      );
    },

    aletStar(steps, body) {
      const vals: unknown[] = [];
      const step = (i: number): unknown =>
        i === steps.length
          ? body(...vals)
          : attachFn(steps[i](...vals), (v) => {
              vals[i] = v;
              return step(i + 1);
            });
      return attachFn(undefined, () => step(0)) as Future<any>;
    },

    multipleFutureBind: (gen, body) => attachFn(gen, body as (...vals: any[]) => unknown),
    waitFor: (gen, body) => attachFn(gen, () => body()),
    aif: (gen, thenFn, elseFn) => attachFn(gen, (v) => (isTrue(v) ? thenFn(v) : elseFn?.(v))),
    walk,
    walk1: (first, ...thunks) => attachFn(force(first), (...vs) => attachFn(walk(...thunks), () => values(...vs))),
  } as Syntax;
}

export const {
  alet,
  aletStar,
  multipleFutureBind,
  waitFor,
  aif,
  walk,
  walk1,
}: Syntax = syntaxOver(attach as AttachFn);

export { multipleFutureBind as multiplePromiseBind, waitFor as wait };

// ---- futureHandlerCase -----------------------------------------------------------------------

/** The forms of `futureHandlerCase`'s body: each applies the clauses of this and enclosing scopes. */
export interface HandlerScope extends Syntax {
  attach<G, R>(gen: G, cb: (value: FirstValue<G>, ...rest: any[]) => R): Future<Settled<R>>;
  futureHandlerCase<R>(body: (h: HandlerScope) => R, ...clauses: Clause[]): R;
}

/**
 * cl-async's `future-handler-case` (futures.md §3.3), with the lexical scope made explicit:
 * - a synchronous throw from `body` goes through the clauses; the handler's value is returned;
 * - `h.attach(gen, cb)`: an error of `gen` goes through the clauses of this scope, then of the
 *   enclosing ones (the handler's value is discarded, the returned future still rejects but is
 *   not reported); a throw in `cb` does too, and the handler's value becomes `cb`'s result;
 * - an error no clause takes goes on untouched; each scope sees each error once.
 */
export function futureHandlerCase<R>(body: (h: HandlerScope) => R, ...clauses: Clause[]): R {
  return new Scope(undefined, clauses).run(body);
}

class Scope {
  private readonly seen = new Map<unknown, boolean>(); // errors met -> whether a clause took it
  private readonly api: HandlerScope;

  constructor(
    private readonly parent: Scope | undefined,
    private readonly clauses: readonly Clause[],
  ) {
    const scopedAttach = (gen: unknown, cb: (...vals: any[]) => unknown): Future => this.attach(gen, cb);
    this.api = {
      ...syntaxOver(scopedAttach),
      attach: scopedAttach as HandlerScope['attach'],
      futureHandlerCase: (inner, ...innerClauses) => new Scope(this, innerClauses).run(inner),
    };
  }

  run<R>(body: (h: HandlerScope) => R): R {
    try {
      return body(this.api);
    } catch (err) {
      const hit = this.handle(err);
      if (hit === undefined) throw err;
      return hit.value as R;
    }
  }

  private attach(gen: unknown, cb: (...vals: any[]) => unknown): Future {
    const child = new Future();
    const guarded = (...vals: unknown[]): unknown => {
      try {
        return cb(...vals);
      } catch (err) {
        const hit = this.handle(err);
        if (hit === undefined) throw err;
        return hit.value;
      }
    };
    const errback = (err: unknown): never => {
      const taken = this.seen.has(err) ? this.seen.get(err) : this.handle(err) !== undefined;
      if (taken) child._silence();
      throw err;
    };
    toFuture(gen)._listen(guarded, errback, child, 0);
    return child;
  }

  /** Runs `err` through the clauses, innermost scope first; records it in every scope. */
  private handle(err: unknown): { value: unknown } | undefined {
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) {
      const clause = findClause(s.clauses, err);
      if (clause !== undefined) {
        this.remember(err, true);
        return { value: clause[1](err) };
      }
    }
    this.remember(err, false);
    return undefined;
  }

  private remember(err: unknown, taken: boolean): void {
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) s.seen.set(err, taken);
  }
}
