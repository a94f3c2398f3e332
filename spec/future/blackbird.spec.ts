// blackbird 0.5.2's suite (test/promise.lisp, 35 tests / 75 checks), ported. Delays are scaled
// down (0.1 s -> 20 ms); `*promise-finish-hook*` is `Future.finishHook`.
import { AsyncLocalStorage } from 'node:async_hooks';
import { expect } from 'chai';
import { attach, attachErrback, Future, makePromise, promisep, signalError, values } from '../../src/future/future';
import { alet, aletStar, multiplePromiseBind, wait, walk, walk1 } from '../../src/future/syntax';
import {
  aeach,
  afilter,
  all,
  amap,
  areduce,
  catcher,
  chain,
  createPromise,
  finally as finally_,
  promisify,
  tap,
  withPromise,
} from '../../src/future/util';
import { captureUnhandled, gen } from './helpers';

const D = 20; // ms, blackbird's 0.1 s

/** The values and error a future settled with, collected synchronously where it already has. */
function outcome(f: Future): { vals?: unknown[]; err?: unknown } {
  const out: { vals?: unknown[]; err?: unknown } = {};
  attach(f, (...vals: unknown[]) => void (out.vals = vals), (e) => void (out.err = e));
  return out;
}

describe('blackbird suite', () => {
  captureUnhandled();

  it('make-promise', () => {
    expect(promisep(makePromise())).to.equal(true);
    expect(promisep(Symbol('hai'))).to.equal(false);
    expect(promisep('omg')).to.equal(false);
    expect(promisep(null)).to.equal(false);
  });

  it('promise-callbacks: attach after resolution fires at once', () => {
    const p = gen(() => 5);
    let res1: unknown;
    let res2: unknown;
    attach(p, (x: number) => (res1 = x + 3));
    attach(p, (x: number) => (res2 = x + 7));
    expect(res1).to.equal(8);
    expect(res2).to.equal(12);
  });

  it('promise-errbacks: a later signalError is ignored', () => {
    const p = gen(() => {
      throw new Error('omg lol wtf');
    });
    let err1: unknown;
    let err2: unknown;
    attachErrback(p, (e) => (err1 = e));
    attachErrback(p, (e) => (err2 = e));
    signalError(p, 'omg-lol-wtf');
    expect(err1).to.be.instanceOf(Error);
    expect(err2).to.equal(err1);
  });

  it('promisify', () => {
    const a = promisify(5);
    expect(promisep(a)).to.equal(true);
    expect(outcome(a)).to.deep.equal({ vals: [5] });
    const b = promisify(() => {
      throw new Error('oops');
    });
    expect(promisep(b)).to.equal(true);
    const ob = outcome(b);
    expect(ob.vals).to.equal(undefined);
    expect(ob.err).to.be.instanceOf(Error);
    const c = promisify(values(3, 6, 7));
    expect(promisep(c)).to.equal(true);
    expect(outcome(c)).to.deep.equal({ vals: [3, 6, 7] });
  });

  it('with-promise', () => {
    expect(outcome(withPromise((res) => res(12, 5)))).to.deep.equal({ vals: [12, 5] });
    const b = outcome(
      withPromise((res, rej) => {
        rej(new Error('rejected'));
        res(3);
      }),
    );
    expect(b.vals).to.equal(undefined);
    expect(b.err).to.be.instanceOf(Error);
    const c = outcome(
      withPromise((res) => {
        throw new Error('oh crap');
        res(4); // eslint-disable-line no-unreachable
      }),
    );
    expect(c.err).to.be.instanceOf(Error);
  });

  it('with-promise-values', () => {
    expect(outcome(withPromise((res) => res(1, [1, 2], 3))).vals).to.deep.equal([1, [1, 2], 3]);
    const fn = (): unknown => values(1, [1, 2], 3);
    expect(outcome(withPromise((res) => res(fn()))).vals).to.deep.equal([1, [1, 2], 3]);
  });

  it('promise-alet: parallel', async () => {
    const start = Date.now();
    let x: unknown;
    let y: unknown;
    await alet([gen(() => 5, 5 * D), gen(() => 2, 5 * D)], (a, b) => ([x, y] = [a, b]));
    expect(Date.now() - start).to.be.within(5 * D - 5, 9 * D);
    expect([x, y]).to.deep.equal([5, 2]);
  });

  it('promise-alet*: sequential', async () => {
    const start = Date.now();
    let x: unknown;
    let y: unknown;
    await aletStar([() => gen(() => 5, 5 * D), (a: number) => gen(() => a + 2, 5 * D)], (a, b) => ([x, y] = [a, b]));
    expect(Date.now() - start).to.be.within(10 * D - 5, 15 * D);
    expect([x, y]).to.deep.equal([5, 7]);
  });

  it('multiple-promise-bind', async () => {
    let name: unknown;
    let age: unknown;
    await multiplePromiseBind(gen(() => values('andrew', 69), D), (n: string, a: number) => ([name, age] = [n, a]));
    expect(name).to.equal('andrew');
    expect(age).to.equal(69);
  });

  it('promise-wait', async () => {
    let res1: unknown;
    let res2: unknown;
    await wait(gen(() => null, D), () => (res1 = 2));
    await wait(gen(() => null, D), () => (res2 = 4));
    expect([res1, res2]).to.deep.equal([2, 4]);
  });

  it('promise-walk: forms run in order; the last one gives the values', async () => {
    const log: unknown[] = [];
    await attach(
      walk(
        () => gen(() => log.unshift(1), 2 * D),
        () => gen(() => log.unshift(2), D),
        () => gen(() => values(1, 2, 3), D),
      ),
      (...vals: unknown[]) => log.unshift(vals),
    );
    expect(log).to.deep.equal([[1, 2, 3], 2, 1]);
  });

  it('promise-walk1: the first form gives the values, after the others ran in order', async () => {
    const log: unknown[] = [];
    await attach(
      walk1(
        gen(() => values(3, 2, 1), D),
        () => gen(() => log.unshift(1), 2 * D),
        () => gen(() => log.unshift(2), D),
        () => gen(() => log.unshift(3), D),
      ),
      (...vals: unknown[]) => log.unshift(vals),
    );
    expect(log).to.deep.equal([[3, 2, 1], 3, 2, 1]);
  });

  it('forwarding', () => {
    const getVal = (): Future => alet({ x: 4 }, ({ x }) => alet({ y: x + 4 }, ({ y }) => x + y));
    let res: unknown;
    alet({ r: getVal() }, ({ r }) => (res = r));
    expect(res).to.equal(12);
  });

  it('catcher-catch', () => {
    let val: unknown;
    let err: unknown;
    catcher(
      attach(12, (x: any) => attach(x(), (y) => (val = y))), // calling 12 is a type error
      [Error, (e) => (err = e)],
    );
    expect(err).to.be.instanceOf(TypeError);
    expect(val).to.equal(undefined);
  });

  it('catcher-passthru', () => {
    let val: unknown;
    let err: unknown;
    attach(catcher(attach(4, (x: number) => x + 5), [true, (e) => (err = e)]), (x) => (val = x));
    expect(val).to.equal(9);
    expect(err).to.equal(undefined);
  });

  it('debug-on-error', () => {
    Future.debugOnError = true;
    try {
      expect(() =>
        withPromise(() => {
          throw new Error('oh no');
        }),
      ).to.throw(Error, 'oh no');
    } finally {
      Future.debugOnError = false;
    }
    let err: unknown;
    catcher(
      withPromise(() => {
        throw new Error('oh no');
      }),
      [Error, (e) => (err = e)],
    );
    expect(err).to.be.instanceOf(Error);
  });

  it('tapping: the tap sees the value; the chain keeps it', () => {
    let val: unknown;
    let tapped: unknown;
    attach(
      tap(attach(promisify(3), (x: number) => x + 4), (x) => {
        tapped = x;
        return 52;
      }),
      (x) => (val = x),
    );
    expect(val).to.equal(7);
    expect(tapped).to.equal(7);
  });

  it('tapping-error-passthru', () => {
    let tapped: unknown;
    let err: unknown;
    catcher(
      tap(attach(promisify(4), (x: any) => x.nope()), (v) => (tapped = v)),
      [true, (e) => (err = e)],
    );
    expect(err).to.be.instanceOf(TypeError);
    expect(tapped).to.equal(undefined);
  });

  it('tap-finishes-before-continue', async () => {
    let val: string | undefined;
    await attach(
      tap(attach(gen(() => 4, D), (x: number) => x + 4), () =>
        gen(() => {
          val ??= 'tapped';
          return 'tap';
        }, D),
      ),
      () => {
        val ??= 'attached';
      },
    );
    expect(val).to.equal('tapped');
  });

  it('finally', () => {
    let val1: unknown;
    let val2: unknown;
    finally_(withPromise((res) => res(12)), () => (val1 = 3));
    finally_(
      withPromise((res) => {
        throw new Error('test');
        res(1); // eslint-disable-line no-unreachable
      }),
      () => (val2 = 7),
    ).catch(() => {});
    expect(val1).to.equal(3);
    expect(val2).to.equal(7);
  });

  it('chaining', () => {
    let val: unknown;
    let fin: unknown;
    chain(
      4,
      ['then', (x: number) => x + 7],
      ['then', (x: number) => [3, x, 9]],
      ['map', (x: number) => x + 1],
      ['reduce', (acc: number, x: number) => acc + x, 0],
      ['then', (f: number) => (val = f)],
      ['finally', () => (fin = 4)],
    );
    expect(val).to.equal(26);
    expect(fin).to.equal(4);

    let val2: unknown;
    let err: unknown;
    let fin2: unknown;
    chain(
      4,
      ['then', (x: number) => [x + 5, Symbol('ttt')]],
      ['map', (x: any) => x + 12], // a Symbol plus a number is a type error
      ['then', (x: any) => x + 4],
      ['then', (x: unknown) => (val2 = x)],
      ['catch', (e: unknown) => (err = e)],
      ['finally', () => (fin2 = 'lol')],
    );
    expect(err).to.be.instanceOf(TypeError);
    expect(val2).to.equal(undefined);
    expect(fin2).to.equal('lol');
  });

  it('aeach: strictly sequential despite the delays', async () => {
    const items: unknown[] = [];
    await aeach(
      ([v, ms]: number[]) => attach(gen(() => v, ms), (y) => items.unshift(y)),
      [[1, 3 * D], [2, D / 2], promisify([3, D])],
    );
    expect(items).to.deep.equal([3, 2, 1]);
  });

  it('amap: a promise of a list holding promises', async () => {
    const res = await amap(
      (x: number) => withPromise((res) => res(x + 5)),
      withPromise((res) => res([3, withPromise((r) => r(4)), 5])),
    );
    expect(res).to.deep.equal([8, 9, 10]);
  });

  it('amap-nil: an empty list resolves', () => {
    let res: unknown;
    attach(amap((x) => x, []), (v) => (res = v));
    expect(res).to.deep.equal([]);
  });

  it('all', async () => {
    expect(await all(withPromise((res) => res([1, promisify(2), promisify(3)])))).to.deep.equal([1, 2, 3]);
  });

  it('areduce', async () => {
    const list = withPromise((res) => res([1, promisify(2), promisify(3)]));
    expect(await areduce((a: number, x: number) => a + x, list, 0)).to.equal(6);
  });

  it('afilter', async () => {
    const list = withPromise((res) => res([3, promisify(4), 5]));
    expect(await afilter((x: number) => promisify(x % 2 === 1), list)).to.deep.equal([3, 5]);
  });

  it('test-keep-specials: callbacks run in the finisher\'s dynamic context; closures carry attach-time state', () => {
    // JavaScript has no special variables; AsyncLocalStorage plays their part. Future does not
    // capture it at attach time (that is what closures are for), and finish leaves it as it was.
    const als = new AsyncLocalStorage<string>();
    const p = makePromise();
    let seen: unknown[] = [];
    als.run('attach-time', () => {
      const captured = als.getStore();
      attach(p, () => (seen = [captured, als.getStore()]));
    });
    als.run('finish-time', () => {
      p.finish(1);
      expect(als.getStore()).to.equal('finish-time');
    });
    expect(seen).to.deep.equal(['attach-time', 'finish-time']);
    let errSeen = false;
    attachErrback(p, () => (errSeen = true));
    signalError(p, new Error('ignored'));
    expect(errSeen).to.equal(false);
  });

  describe('with a finish hook', () => {
    afterEach(() => {
      Future.finishHook = null;
    });

    it('forced-async', async () => {
      let val: unknown;
      attach(withPromise((res) => res(12)), (x) => (val = x));
      expect(val).to.equal(12);

      val = undefined;
      Future.finishHook = (run) => void setTimeout(run, D);
      const f = attach(withPromise((res) => res(12)), (x) => (val = x));
      expect(val).to.equal(undefined);
      await f;
      expect(val).to.equal(12);
    });

    it('async-error: errbacks carry over when a promise forwards to one that fails later', async () => {
      Future.finishHook = (run) => void setTimeout(run, D / 2);
      const doResolve = (): Future => withPromise((res) => setTimeout(() => res(1), D / 2));
      const doReject = (): Future =>
        withPromise((_res, rej) => setTimeout(() => rej(new Error('bad')), D / 2));
      let val: unknown;
      let err: unknown;
      await catcher(
        attach(attach(doResolve(), () => doReject()), (v) => (val = v)),
        [true, (e) => (err = e)],
      );
      expect(val).to.equal(undefined);
      expect(err).to.be.instanceOf(Error);
    });
  });

  it('catch-then: a catch recovers; the next catch does not fire', () => {
    const log: unknown[] = [];
    chain(
      withPromise((_res, rej) => rej(new Error('error'))),
      ['catch', (e: Error) => (log.push(['caught1', e.message]), 42)],
      ['then', (x: number) => log.push(['ok', x])],
      ['catch', () => log.push('caught2')],
    );
    expect(log).to.deep.equal([['caught1', 'error'], ['ok', 42]]);
  });

  it('catch-then/delayed', async () => {
    const log: unknown[] = [];
    await chain(
      withPromise((_res, rej) => setTimeout(() => rej(new Error('error')), D)),
      ['catch', (e: Error) => (log.push(['caught1', e.message]), 42)],
      ['then', (x: number) => log.push(['ok', x])],
      ['catch', () => log.push('caught2')],
    );
    expect(log).to.deep.equal([['caught1', 'error'], ['ok', 42]]);
  });

  it('attach-error-handle/delayed: a throw in a later callback reaches the catcher', async () => {
    let err: unknown;
    await catcher(
      attach(createPromise((res) => setTimeout(res, D)), () => {
        throw new Error('crap');
      }),
      [true, (e) => (err = e)],
    );
    expect(err).to.be.instanceOf(Error);
  });

  it('long-forward-chain: no callback lost over several hops', async () => {
    const log: number[] = [];
    let n = 0;
    const nextStep = (): Future => {
      log.push(++n);
      return attach(null, () => withPromise((res) => setTimeout(res, D / 2)));
    };
    await wait(wait(nextStep(), () => nextStep()), () => nextStep());
    expect(log).to.deep.equal([1, 2, 3]);
  });

  it('forwarding-stops-finishing: a forwarded promise ignores finish', async () => {
    const p = withPromise((resolve) => {
      setTimeout(() => {
        const inner = withPromise((res1) =>
          setTimeout(() => {
            resolve(45);
            res1(12);
          }, D / 2),
        );
        resolve(inner);
      }, D / 2);
    });
    expect(await p.then((x) => x)).to.equal(12);
  });
});
