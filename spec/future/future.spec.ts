import { expect } from 'chai';
import {
  attach,
  attachErrback,
  finish,
  Future,
  futurep,
  lookupForwardedFuture,
  lookupForwardedPromise,
  makeFuture,
  makePromise,
  promisep,
  reject,
  resolve,
  signalError,
  toFuture,
  values,
  Values,
} from '../../src/future/future';
import { captureUnhandled } from './helpers';

// Read before any describe swaps it for a recorder.
const librariesDefault = Future.onUnhandledError;
const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Future', () => {
  const unhandled = captureUnhandled();
  beforeEach(() => void (unhandled.length = 0));

  describe('both vocabularies', () => {
    it('makeFuture/makePromise, futurep/promisep', () => {
      expect(makePromise).to.equal(makeFuture);
      expect(promisep).to.equal(futurep);
      expect(makeFuture()).to.be.instanceOf(Future);
      expect(makeFuture({ name: 'req' }).name).to.equal('req');
      expect(futurep({ then() {} })).to.equal(false);
      expect(futurep({ [Symbol.for('cl-async.future')]: true })).to.equal(true); // another copy's
    });

    it('finish/resolve and signalError/reject, as functions and methods', () => {
      expect(resolve).to.equal(finish);
      expect(reject).to.equal(signalError);
      const a = makeFuture();
      expect(finish(a, 1)).to.equal(a);
      expect(a.values).to.deep.equal([1]);
      expect(makeFuture().resolve(2).values).to.deep.equal([2]);
      const b = makeFuture();
      b.catch(() => {});
      expect(signalError(b, 'e')).to.equal(b);
      expect(b.error).to.equal('e');
      const c = makeFuture().reject('r');
      c.catch(() => {});
      expect(c.state).to.equal('rejected');
    });

    it('lookupForwardedFuture/lookupForwardedPromise', () => {
      expect(lookupForwardedPromise).to.equal(lookupForwardedFuture);
      const a = makeFuture();
      const b = makeFuture();
      const c = makeFuture();
      finish(a, b);
      finish(b, c);
      expect(lookupForwardedFuture(a)).to.equal(c);
      expect(a.lookupForwarded()).to.equal(c);
      expect(lookupForwardedFuture(5)).to.equal(5);
      expect(lookupForwardedFuture(c)).to.equal(c);
    });
  });

  describe('cl-async face', () => {
    it('callbacks run inside finish, in attach order, with every value', () => {
      const f = makeFuture();
      const log: unknown[] = [];
      attach(f, (a: number, b: number) => log.push(['one', a, b]));
      f.attach((a: number, b: number) => log.push(['two', a, b]));
      finish(f, 1, 2);
      log.push('returned');
      expect(log).to.deep.equal([['one', 1, 2], ['two', 1, 2], 'returned']);
    });

    it('attach to a finished future or a plain value runs at once', () => {
      const log: unknown[] = [];
      attach(finish(makeFuture(), 'x'), (v) => log.push(v));
      attach(7, (v) => log.push(v));
      attach(values(1, 2), (a: number, b: number) => log.push([a, b]));
      expect(log).to.deep.equal(['x', 7, [1, 2]]);
    });

    it('attach(values(f, 2), cb) attaches to f', () => {
      const f = makeFuture();
      let got: unknown;
      attach(values(f, 2), (v) => (got = v));
      expect(got).to.equal(undefined);
      finish(f, 'f');
      expect(got).to.equal('f');
    });

    it('a callback returns several values with values(); finish(f, values(1, 2)) is finish(f, 1, 2)', () => {
      const f = makeFuture();
      let got: unknown[] = [];
      attach(
        attach(f, (a: number, b: number) => values(b, a)),
        (...vs: unknown[]) => (got = vs),
      );
      finish(f, values(1, 2));
      expect(got).to.deep.equal([2, 1]);
      expect(makeFuture().finish(values()).values).to.deep.equal([]);
      expect(makeFuture().finish().values).to.deep.equal([]);
      expect(values(1, 2)).to.be.instanceOf(Values);
    });

    it('settles once: later finish and signalError are ignored', () => {
      const f = makeFuture();
      const log: unknown[] = [];
      attach(f, (v) => log.push(v), (e) => log.push(['err', e]));
      finish(f, 1);
      finish(f, 2);
      signalError(f, 'late');
      attach(f, (v) => log.push(v));
      expect(log).to.deep.equal([1, 1]);
      const g = makeFuture();
      attachErrback(g, (e) => log.push(e));
      signalError(g, 'first');
      signalError(g, 'second');
      finish(g, 3);
      expect(log).to.deep.equal([1, 1, 'first']);
    });

    it("the attach future settles once even when its owner settles it before the callback's result", async () => {
      const f = makeFuture();
      const early = attach(f, () => 'late');
      const thrower = attach(f, () => {
        throw new Error('late');
      });
      const forwarded = attach(f, () => 'late');
      const target = makeFuture();
      const seen: unknown[] = [];
      attach(early, (v) => seen.push(v));
      finish(early, 'early');
      signalError(thrower, 'early error');
      attachErrback(thrower, (e) => seen.push(e));
      finish(forwarded, target);
      finish(f, 1);
      expect(seen).to.deep.equal(['early', 'early error']);
      expect(early.values).to.deep.equal(['early']);
      expect(thrower.error).to.equal('early error');
      expect(forwarded.state).to.equal('pending');
      finish(target, 'target');
      expect(forwarded.values).to.deep.equal(['target']);
      await macrotask(); // thrower's callback threw after its owner settled it: reported, not lost
      expect(unhandled.map((u) => (u.err as Error).message)).to.deep.equal(['late']);
    });

    it('a throw into a future its owner already settled goes to Future.onUnhandledError', async () => {
      const f = makeFuture();
      const late = new Error('late');
      const thrower = attach(f, () => {
        throw late;
      });
      attach(thrower, () => {});
      finish(thrower, 'early');
      finish(f, 1);
      expect(thrower.values).to.deep.equal(['early']);
      expect(unhandled).to.deep.equal([]);
      await macrotask();
      expect(unhandled).to.deep.equal([{ err: late, future: thrower }]);
    });

    it('the then future settles once too', async () => {
      const f = makeFuture();
      const early = f.then(() => 'late');
      finish(early, 'early');
      finish(f, 1);
      expect(await early).to.equal('early');
    });

    it('a chain settled from its root passes every kind of result on', async () => {
      const root = makeFuture();
      const inner = makeFuture();
      const obj = { not: 'a thenable' };
      const boom = new Error('boom');
      const seen: unknown[] = [];
      const step =
        (r: unknown) =>
        (...vs: unknown[]): unknown => {
          seen.push(vs);
          return r;
        };
      let f: Future = root;
      for (const r of [null, undefined, false, 'text', 1.5, 2n, obj, values(1, 2), values(), inner, Promise.resolve('adopted')]) {
        f = attach(f, step(r));
      }
      const end = attach(
        attach(
          attach(f, (v: unknown) => {
            seen.push([v]);
            throw boom;
          }),
          () => seen.push('skipped'),
        ),
        () => 'no',
        (e) => e,
      );
      finish(root, 0);
      const before = [[0], [null], [undefined], [false], ['text'], [1.5], [2n], [obj], [1, 2], []];
      expect(seen).to.deep.equal(before);
      finish(inner, 'inner');
      expect(await end).to.equal(boom);
      expect(seen).to.deep.equal([...before, ['inner'], ['adopted']]);

      // The same through the Promise face.
      const troot = makeFuture();
      let t: Future = troot;
      const got: unknown[] = [];
      for (const r of [null, 'text', obj, values(3, 4), inner, Promise.resolve('adopted')]) {
        t = t.then((v) => {
          got.push(v);
          return r;
        });
      }
      troot.finish(0);
      expect(await t).to.equal('adopted');
      expect(got).to.deep.equal([0, null, 'text', obj, 3, 'inner']);
    });

    it('a throw in a callback rejects the attach future, flows down the chain, and spares the other callbacks', () => {
      const f = makeFuture();
      const boom = new Error('boom');
      const log: unknown[] = [];
      const chained = attach(
        attach(f, () => {
          throw boom;
        }),
        () => log.push('skipped'),
      );
      attach(f, () => log.push('other'));
      attachErrback(chained, (e) => log.push(e));
      finish(f, 1);
      expect(log).to.deep.equal([boom, 'other']); // depth first: the chain, then the next callback
    });

    it('attachErrback: a throw inside rejects its future; values pass through on success', () => {
      const f = makeFuture();
      const second = new Error('second');
      const out = attachErrback(f, () => {
        throw second;
      });
      let seen: unknown;
      attachErrback(out, (e) => (seen = e));
      signalError(f, new Error('first'));
      expect(seen).to.equal(second);

      let vals: unknown[] = [];
      attach(attachErrback(finish(makeFuture(), 1, 2), () => 'unused'), (...vs: unknown[]) => (vals = vs));
      expect(vals).to.deep.equal([1, 2]);
      expect(attachErrback(3, () => 0).values).to.deep.equal([3]);
    });

    it('an errback value settles its future; attach(f, cb, eb) takes both paths', () => {
      expect(attachErrback(makeFuture().signalError('e'), (e) => `handled ${e}`).values).to.deep.equal(['handled e']);
      expect(attach(makeFuture().signalError('e'), () => 'ok', () => 'eb').values).to.deep.equal(['eb']);
      expect(attach(makeFuture().finish(1), () => 'ok', () => 'eb').values).to.deep.equal(['ok']);
    });

    it('errors are any value, even undefined', () => {
      const f = makeFuture();
      let got: unknown = 'unset';
      let called = false;
      attachErrback(f, (e) => {
        called = true;
        got = e;
      });
      signalError(f, undefined);
      expect(called).to.equal(true);
      expect(got).to.equal(undefined);
      expect(f.errored).to.equal(true);
    });

    it('re-entrant attach inside a callback runs at once, before the remaining callbacks (B13)', () => {
      const f = makeFuture();
      const log: string[] = [];
      attach(f, () => {
        log.push('outer1');
        attach(f, () => log.push('nested'));
      });
      attach(f, () => log.push('outer2'));
      finish(f, 1);
      expect(log).to.deep.equal(['outer1', 'nested', 'outer2']);
    });

    it('a chain runs depth first inside finish', () => {
      const f = makeFuture();
      const log: string[] = [];
      attach(
        attach(f, () => log.push('a')),
        () => log.push('a.child'),
      );
      attach(f, () => log.push('b'));
      finish(f);
      expect(log).to.deep.equal(['a', 'a.child', 'b']);
    });
  });

  describe('forwarding', () => {
    it('finishing with a future hands the listeners on; extra values are dropped', () => {
      const a = makeFuture();
      const b = makeFuture();
      let got: unknown[] = [];
      attach(a, (...vs: unknown[]) => (got = vs));
      finish(a, b, 'dropped');
      expect(got).to.deep.equal([]);
      expect(a.state).to.equal('pending');
      finish(b, 1, 2);
      expect(got).to.deep.equal([1, 2]);
      expect(a.finished).to.equal(true);
      expect(a.values).to.deep.equal([1, 2]);
    });

    it('a callback returning a future forwards the attach future to it', () => {
      const inner = makeFuture();
      let got: unknown;
      attach(
        attach(1, () => inner),
        (v) => (got = v),
      );
      finish(inner, 'inner');
      expect(got).to.equal('inner');
    });

    it('hands on several listeners of both faces, in their order and each with its face', async () => {
      const a = makeFuture();
      const b = makeFuture();
      const log: unknown[] = [];
      a.then((v) => log.push(['then1', v]));
      attach(a, (...vs: unknown[]) => log.push(['attach1', ...vs]));
      a.then((v) => log.push(['then2', v]));
      attach(a, (...vs: unknown[]) => log.push(['attach2', ...vs]));
      finish(a, b);
      finish(b, 1, 2);
      expect(log).to.deep.equal([
        ['attach1', 1, 2],
        ['attach2', 1, 2],
      ]);
      await a;
      expect(log.slice(2)).to.deep.equal([
        ['then1', 1],
        ['then2', 1],
      ]);
    });

    it('a forwarded future ignores finish and signalError', () => {
      const a = makeFuture();
      const b = makeFuture();
      finish(a, b);
      finish(a, 'ignored');
      signalError(a, 'ignored');
      finish(b, 'b');
      expect(a.values).to.deep.equal(['b']);
    });

    it('attach on a future forwarded through several hops lands on the end (P9, P10, #17)', () => {
      const a = makeFuture();
      const b = makeFuture();
      const c = makeFuture();
      const log: string[] = [];
      attach(a, () => log.push('before'));
      finish(a, b);
      finish(b, c);
      attach(a, () => log.push('after'));
      finish(c);
      expect(log).to.deep.equal(['before', 'after']);
    });

    it('a cycle rejects with TypeError instead of hanging', () => {
      const a = makeFuture();
      let err: unknown;
      attachErrback(a, (e) => (err = e));
      finish(a, a);
      expect(err).to.be.instanceOf(TypeError);

      const b = makeFuture();
      const c = makeFuture();
      finish(b, c);
      attachErrback(c, (e) => (err = e));
      err = undefined;
      finish(c, b);
      expect(err).to.be.instanceOf(TypeError);
      expect(b.errored).to.equal(true);
    });

    it('a foreign thenable is adopted, and the future is locked meanwhile', async () => {
      const f = makeFuture();
      finish(f, Promise.resolve('native'));
      finish(f, 'too late');
      expect(await f).to.equal('native');
      let thenReads = 0;
      const thenable = {
        get then() {
          thenReads++;
          return (ok: (v: unknown) => void) => {
            ok('first');
            ok('second');
          };
        },
      };
      expect(makeFuture().finish(thenable).values).to.deep.equal(['first']);
      expect(thenReads).to.equal(1);
      const rejected = makeFuture().finish(Promise.reject(new Error('nope')));
      let err: unknown;
      await rejected.catch((e) => (err = e));
      expect(err).to.be.instanceOf(Error);
    });
  });

  describe('Promise face', () => {
    it('then handlers run after finish returns, in registration order, with the first value', async () => {
      const f = makeFuture();
      const log: unknown[] = [];
      f.then((v) => log.push(['then1', v]));
      attach(f, (a: number, b: number) => log.push(['attach', a, b]));
      f.then((v) => log.push(['then2', v]));
      finish(f, 1, 2);
      expect(log).to.deep.equal([['attach', 1, 2]]);
      await f;
      expect(log).to.deep.equal([['attach', 1, 2], ['then1', 1], ['then2', 1]]);
    });

    it('chains interleave as native promise chains do', async () => {
      const run = async (make: () => [PromiseLike<unknown>, () => void]): Promise<string[]> => {
        const log: string[] = [];
        const [a, settleA] = make();
        const [b, settleB] = make();
        a.then(() => log.push('a1'))
          .then(() => log.push('a2'))
          .then(() => log.push('a3'));
        b.then(() => log.push('b1')).then(() => log.push('b2'));
        settleA();
        settleB();
        await macrotask();
        return log;
      };
      const native = await run(() => {
        let settle!: (v: number) => void;
        return [new Promise((r) => (settle = r)), () => settle(1)];
      });
      const ours = await run(() => {
        const f = makeFuture();
        return [f, () => f.finish(1)];
      });
      expect(native).to.deep.equal(['a1', 'b1', 'a2', 'b2', 'a3']);
      expect(ours).to.deep.equal(native);
    });

    it('await gives the first value; a rejection throws', async () => {
      expect(await makeFuture().finish('a', 'b')).to.equal('a');
      const err = new Error('x');
      let caught: unknown;
      try {
        await makeFuture().signalError(err);
      } catch (e) {
        caught = e;
      }
      expect(caught).to.equal(err);
    });

    it('works with native Promise.all and Promise.resolve', async () => {
      const f = makeFuture();
      setTimeout(() => finish(f, 2), 1);
      expect(await Promise.all([1, f, Promise.resolve(3)])).to.deep.equal([1, 2, 3]);
      expect(await Promise.resolve(makeFuture().finish('x'))).to.equal('x');
    });

    it('errors thrown in attach callbacks reach await', async () => {
      const f = attach(attach(1, () => {
        throw new RangeError('deep');
      }), () => 'never');
      let caught: unknown;
      await f.catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(RangeError);
    });

    it('finally passes the outcome through, waits for its result, and a throw in it wins', async () => {
      const order: string[] = [];
      const v = await makeFuture()
        .finish(5)
        .finally(() => {
          const g = makeFuture();
          setTimeout(() => {
            order.push('fn done');
            finish(g);
          }, 5);
          return g;
        });
      order.push('after');
      expect(v).to.equal(5);
      expect(order).to.deep.equal(['fn done', 'after']);
      const err = new Error('orig');
      let caught: unknown;
      await makeFuture()
        .signalError(err)
        .finally(() => 1)
        .catch((e) => (caught = e));
      expect(caught).to.equal(err);
      const mine = new Error('finally');
      await makeFuture()
        .finish(1)
        .finally(() => {
          throw mine;
        })
        .catch((e) => (caught = e));
      expect(caught).to.equal(mine);
    });

    it('then(() => itself) rejects with TypeError (A+ 2.3.1)', async () => {
      const f = makeFuture().finish(1);
      const p: Future = f.then(() => p);
      let caught: unknown;
      await p.catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(TypeError);
    });

    it('reports itself as a Future', () => {
      expect(Object.prototype.toString.call(makeFuture())).to.equal('[object Future]');
    });
  });

  describe('introspection', () => {
    it('state, finished, errored, values and error follow forwarding', () => {
      const a = makeFuture();
      const b = makeFuture();
      finish(a, b);
      expect([a.state, a.finished, a.errored, a.values, a.error]).to.deep.equal([
        'pending',
        false,
        false,
        undefined,
        undefined,
      ]);
      b.catch(() => {});
      signalError(b, 'e');
      expect([a.state, a.finished, a.errored, a.values, a.error]).to.deep.equal(['rejected', false, true, undefined, 'e']);
    });

    it('values returns a copy', () => {
      const f = makeFuture().finish(1, 2);
      f.values!.push(3);
      expect(f.values).to.deep.equal([1, 2]);
    });

    it('toFuture wraps values and returns futures as they are', () => {
      const f = makeFuture();
      expect(toFuture(f)).to.equal(f);
      expect(toFuture(values(f, 1))).to.equal(f);
      expect(toFuture(3).values).to.deep.equal([3]);
    });
  });

  describe('unhandled errors', () => {
    it('are reported after a macrotask through Future.onUnhandledError', async () => {
      const f = makeFuture({ name: 'lonely' });
      const err = new Error('nobody listens');
      signalError(f, err);
      await Promise.resolve();
      expect(unhandled).to.deep.equal([]);
      await macrotask();
      expect(unhandled).to.have.length(1);
      expect(unhandled[0].err).to.equal(err);
      expect(unhandled[0].future).to.equal(f);
    });

    it('handling before the macrotask suppresses the report', async () => {
      const a = makeFuture().signalError('a');
      const b = makeFuture().signalError('b');
      const c = makeFuture().signalError('c');
      attachErrback(a, () => {});
      await Promise.resolve();
      b.catch(() => {});
      attach(c, () => {}).catch(() => {}); // handled through a chain
      await macrotask();
      expect(unhandled).to.deep.equal([]);
    });

    it('only the end of an unobserved chain is reported, once', async () => {
      const f = makeFuture();
      const leaf = attach(attach(f, () => 1), () => 2);
      signalError(f, 'e');
      await macrotask();
      expect(unhandled.map((u) => u.future)).to.deep.equal([leaf]);
    });

    it('a future forwarded to an errored one is reported when nobody listens to it', async () => {
      const errored = makeFuture().signalError('e');
      attachErrback(errored, () => {});
      const fwd = attach(1, () => errored);
      await macrotask();
      expect(unhandled.map((u) => u.future)).to.deep.equal([fwd]);
    });

    it('the default writes a warning to stderr, and a throwing hook falls back to it', async () => {
      const write = process.stderr.write;
      const saved = Future.onUnhandledError;
      const lines: string[] = [];
      (process.stderr as any).write = (s: string) => lines.push(String(s));
      try {
        Future.onUnhandledError = librariesDefault;
        makeFuture({ name: 'req' }).signalError(new Error('lost error'));
        await macrotask();
        Future.onUnhandledError = () => {
          throw new Error('hook broke');
        };
        makeFuture().signalError('second');
        await macrotask();
      } finally {
        (process.stderr as any).write = write;
        Future.onUnhandledError = saved;
      }
      expect(lines).to.have.length(2);
      expect(lines[0]).to.match(/unhandled error in future "req": Error: lost error/);
      expect(lines[1]).to.match(/hook broke/);
    });
  });

  describe('stack safety', () => {
    const N = 100_000;

    it(`an attach chain of ${N} links over settled values`, () => {
      let f: Future = makeFuture().finish(0);
      for (let i = 0; i < N; i++) f = attach(f, (x: number) => x + 1);
      expect(f.values).to.deep.equal([N]);
    });

    it(`an attach chain of ${N} links finished from the root`, () => {
      const root = makeFuture();
      let f: Future = root;
      for (let i = 0; i < N; i++) f = attach(f, (x: number) => x + 1);
      finish(root, 0);
      expect(f.values).to.deep.equal([N]);
    });

    it(`${N} callbacks each returning a future (forwarding)`, () => {
      const root = makeFuture();
      let f: Future = root;
      for (let i = 0; i < N; i++) f = attach(f, (x: number) => makeFuture().finish(x + 1));
      finish(root, 0);
      expect(f.values).to.deep.equal([N]);
    });

    it(`a forwarding chain of ${N} futures`, () => {
      const fs = Array.from({ length: N }, () => makeFuture());
      let got: unknown;
      attach(fs[0], (v) => (got = v));
      for (let i = 0; i < N - 1; i++) finish(fs[i], fs[i + 1]);
      finish(fs[N - 1], 'end');
      expect(got).to.equal('end');
      expect(lookupForwardedFuture(fs[0])).to.equal(fs[N - 1]);
    });

    it(`recursion through attach on settled values, ${N} deep`, () => {
      const loop = (i: number): unknown => (i === N ? 'done' : attach(i, () => loop(i + 1)));
      expect(attach(0, () => loop(0)).values).to.deep.equal(['done']);
    });

    it('past the nesting limit, what a callback sets off still runs before the next link', () => {
      // Each level's callback settles a future with a listener, then nests the next level. Deep
      // enough, those listeners are queued instead of run at once; they must still run before the
      // level's own next link, as they do when nested.
      const levels = 300;
      const log: string[] = [];
      const roots = Array.from({ length: levels + 1 }, () => makeFuture());
      for (let i = 0; i < levels; i++) {
        const setOff = makeFuture();
        attach(setOff, () => log.push(`set off ${i}`));
        attach(
          attach(roots[i], () => {
            finish(setOff, i);
            finish(roots[i + 1], i + 1);
            return i;
          }),
          () => log.push(`next ${i}`),
        );
      }
      finish(roots[0], 0);
      expect(log).to.have.length(2 * levels);
      for (let i = 0; i < levels; i++) {
        expect(log.indexOf(`set off ${i}`), `level ${i}`).to.be.lessThan(log.indexOf(`next ${i}`));
      }
    });

    it(`a then chain of ${N} links`, async () => {
      let f: Future<number> = makeFuture<number>().finish(0);
      for (let i = 0; i < N; i++) f = f.then((x) => x + 1);
      expect(await f).to.equal(N);
    });
  });

  describe('Future.finishHook', () => {
    afterEach(() => {
      Future.finishHook = null;
    });

    it('defers the listeners of finish and of signalError; the state is set at once', async () => {
      const runs: Array<() => void> = [];
      Future.finishHook = (run) => void runs.push(run);
      const f = makeFuture();
      const g = makeFuture();
      const log: unknown[] = [];
      attach(f, (v) => log.push(v));
      attachErrback(g, (e) => log.push(e));
      finish(f, 1);
      signalError(g, 'e');
      finish(f, 2); // already settled: ignored (B15 fixed)
      expect(f.finished).to.equal(true);
      attach(f, (v) => log.push(['late', v])); // queued behind the deferred run
      expect(log).to.deep.equal([]);
      Future.finishHook = null;
      runs.forEach((run) => run());
      expect(log).to.deep.equal([1, ['late', 1], 'e']);
    });

    it('defers each link of a chain', () => {
      const runs: Array<() => void> = [];
      Future.finishHook = (run) => void runs.push(run);
      const root = makeFuture();
      const end = attach(
        attach(root, (x: number) => x + 1),
        (x: number) => x + 1,
      );
      finish(root, 0);
      for (let i = 1; i <= 3; i++) {
        expect(runs).to.have.length(i);
        runs[i - 1]();
      }
      expect(end.values).to.deep.equal([2]);
    });

    it('reads back the hook in force (null when none), so code can wrap it for a while and put it back', () => {
      expect(Future.finishHook).to.equal(null);
      const log: string[] = [];
      const outer = (run: () => void): void => {
        log.push('outer');
        run();
      };
      Future.finishHook = outer;
      expect(Future.finishHook).to.equal(outer);
      // A tracer wrapping whatever hook is in force, then restoring it.
      const previous = Future.finishHook;
      Future.finishHook = (run) => {
        log.push('tracer');
        if (previous === null) run();
        else previous(run);
      };
      makeFuture().finish(1);
      Future.finishHook = previous;
      makeFuture().finish(2);
      // One settlement each: the first through both hooks, the second through the restored one.
      expect(log).to.deep.equal(['tracer', 'outer', 'outer']);
    });
  });

  describe('Future.debugOnError', () => {
    afterEach(() => {
      Future.debugOnError = false;
    });

    it('lets a callback error escape from finish', () => {
      Future.debugOnError = true;
      const f = makeFuture();
      attach(f, () => {
        throw new Error('to the debugger');
      });
      expect(() => finish(f, 1)).to.throw('to the debugger');
    });
  });
});

