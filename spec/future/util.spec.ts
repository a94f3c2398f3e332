import { expect } from 'chai';
import { attach, finish, Future, makeFuture, signalError, values } from '../../src/future/future';
import {
  adolist,
  aeach,
  afilter,
  all,
  amap,
  areduce,
  catcher,
  chain,
  ChainOp,
  createPromise,
  finally as finally_,
  findClause,
  isTrue,
  promisify,
  tap,
  withPromise,
} from '../../src/future/util';
import { captureUnhandled } from './helpers';

/** Settles `f` on a later turn with `v`. */
function later<T>(v: T, ms = 1): Future<T> {
  const f = makeFuture<T>();
  setTimeout(() => finish(f, v), ms);
  return f;
}

describe('future util', () => {
  captureUnhandled();

  describe('createPromise / withPromise', () => {
    it('resolves with every value, values() spread, return value ignored', () => {
      expect(withPromise).to.equal(createPromise);
      expect(createPromise((res) => res(values(1, 2))).values).to.deep.equal([1, 2]);
      expect(createPromise((res) => res()).values).to.deep.equal([]);
      expect(createPromise(() => 'ignored').state).to.equal('pending');
    });

    it('a throw rejects; after a resolve it changes nothing', () => {
      const err = new Error('x');
      const a = createPromise(() => {
        throw err;
      });
      expect(a.error).to.equal(err);
      a.catch(() => {});
      const b = createPromise((res) => {
        res(1);
        throw err;
      });
      expect(b.values).to.deep.equal([1]);
    });

    it('resolve with a future forwards', () => {
      const inner = makeFuture();
      const outer = createPromise((res) => res(inner));
      finish(inner, 'in');
      expect(outer.values).to.deep.equal(['in']);
    });
  });

  describe('promisify', () => {
    it('a Future passes through as the same object', () => {
      const f = makeFuture();
      expect(promisify(f)).to.equal(f);
      expect(promisify(() => f)).to.equal(f);
    });

    it('wraps values, calls thunks, and turns a throw into a rejection', async () => {
      expect(promisify(values(1, 2)).values).to.deep.equal([1, 2]);
      expect(promisify(() => 3).values).to.deep.equal([3]);
      const bad = promisify(() => {
        throw new SyntaxError('thunk');
      });
      expect(bad.error).to.be.instanceOf(SyntaxError);
      bad.catch(() => {});
      expect(await promisify(Promise.resolve('native'))).to.equal('native');
    });
  });

  describe('clauses', () => {
    it('match by Error class, by class of any kind, by predicate, or all with true', () => {
      class NotAnError {}
      const h = (): number => 0;
      expect(findClause([[TypeError, h]], new TypeError())).to.not.equal(undefined);
      expect(findClause([[TypeError, h]], new Error())).to.equal(undefined);
      expect(findClause([[Error, h]], new RangeError())).to.not.equal(undefined);
      expect(findClause([[NotAnError, h]], new NotAnError())).to.not.equal(undefined);
      expect(findClause([[(e: unknown) => e === 'x', h]], 'x')).to.not.equal(undefined);
      expect(findClause([[true, h]], undefined)).to.not.equal(undefined);
      const second = [true, () => 2] as const;
      expect(findClause([[TypeError, h], second], 'str')).to.equal(second);
    });
  });

  describe('catcher', () => {
    it('the first matching clause handles; its values settle the future', () => {
      const out = catcher(
        makeFuture().signalError(new RangeError('r')),
        [TypeError, () => 'type'],
        [RangeError, () => values('range', 2)],
      );
      expect(out.values).to.deep.equal(['range', 2]);
    });

    it('an unmatched error rejects again instead of resolving with nothing (B6 fixed)', () => {
      const err = new RangeError('r');
      const out = catcher(makeFuture().signalError(err), [TypeError, () => 'type']);
      expect(out.error).to.equal(err);
      out.catch(() => {});
    });

    it('values pass through; a throwing handler rejects (B28)', () => {
      expect(catcher(values(1, 2), [true, () => 0]).values).to.deep.equal([1, 2]);
      const out = catcher(makeFuture().signalError('e'), [
        true,
        () => {
          throw new Error('handler');
        },
      ]);
      expect((out.error as Error).message).to.equal('handler');
      out.catch(() => {});
    });
  });

  describe('tap', () => {
    it('passes every original value on after fn\'s future settles', () => {
      const gate = makeFuture();
      let vals: unknown[] | undefined;
      attach(
        tap(values(1, 2), () => gate),
        (...vs: unknown[]) => (vals = vs),
      );
      expect(vals).to.equal(undefined);
      finish(gate, 'ignored');
      expect(vals).to.deep.equal([1, 2]);
    });

    it('a throw or a rejection in fn rejects instead of hanging (B8 fixed)', () => {
      const thrown = tap(1, () => {
        throw new Error('tap threw');
      });
      expect((thrown.error as Error).message).to.equal('tap threw');
      const rejected = tap(1, () => makeFuture().signalError('tap rejected'));
      expect(rejected.error).to.equal('tap rejected');
      [thrown, rejected].forEach((f) => f.catch(() => {}));
    });

    it('errors of the source pass through without calling fn', () => {
      let called = false;
      const out = tap(makeFuture().signalError('src'), () => (called = true));
      expect(out.error).to.equal('src');
      expect(called).to.equal(false);
      out.catch(() => {});
    });
  });

  describe('finally', () => {
    it('runs on both outcomes and passes the original one on', () => {
      const log: string[] = [];
      expect(finally_(values(1, 2), () => log.push('ok')).values).to.deep.equal([1, 2]);
      const bad = finally_(makeFuture().signalError('e'), () => log.push('err'));
      expect(bad.error).to.equal('e');
      expect(log).to.deep.equal(['ok', 'err']);
      bad.catch(() => {});
    });

    it('waits for fn\'s future', () => {
      const gate = makeFuture();
      const out = finally_(1, () => gate);
      expect(out.state).to.equal('pending');
      finish(gate);
      expect(out.values).to.deep.equal([1]);
    });

    it('a throw in fn rejects instead of hanging (B9 fixed)', () => {
      const out = finally_(1, () => {
        throw new Error('finally threw');
      });
      expect((out.error as Error).message).to.equal('finally threw');
      out.catch(() => {});
    });
  });

  describe('all', () => {
    it('keeps order, takes first values, accepts a future of a list', async () => {
      expect(await all([later(1, 5), 2, values(3, 'x')])).to.deep.equal([1, 2, 3]);
      expect(await all(later([later('a'), 'b']))).to.deep.equal(['a', 'b']);
      expect(all([]).values).to.deep.equal([[]]);
    });

    it('the first error rejects (B19)', async () => {
      const err = new Error('first');
      let caught: unknown;
      await all([later(1, 5), makeFuture().signalError(err), later(3)]).catch((e) => (caught = e));
      expect(caught).to.equal(err);
    });
  });

  describe('amap', () => {
    it('runs fn on every element in parallel and keeps the order (B17)', async () => {
      const started: number[] = [];
      const gates = [makeFuture(), makeFuture(), makeFuture()];
      const out = amap((x: number, i: number) => {
        started.push(x);
        return attach(gates[i], () => x * 10);
      }, [1, 2, 3]);
      expect(started).to.deep.equal([1, 2, 3]);
      finish(gates[2]);
      finish(gates[0]);
      finish(gates[1]);
      expect(await out).to.deep.equal([10, 20, 30]);
    });

    it('an empty list resolves with [] (#20 fixed); an error rejects', () => {
      expect(amap(() => 1, []).values).to.deep.equal([[]]);
      const out = amap(() => {
        throw new Error('fn');
      }, [1]);
      expect(out.errored).to.equal(true);
      out.catch(() => {});
    });
  });

  describe('aeach / adolist', () => {
    it('one element at a time, waiting for fn, with no values at the end', () => {
      const log: unknown[] = [];
      const gate = makeFuture();
      const out = aeach((x: number) => {
        log.push(x);
        return x === 1 ? gate : undefined;
      }, [1, 2, 3]);
      expect(log).to.deep.equal([1]);
      finish(gate);
      expect(log).to.deep.equal([1, 2, 3]);
      expect(out.values).to.deep.equal([]);
    });

    it('adolist takes the items first; null and false items do not end the loop', () => {
      const seen: unknown[] = [];
      adolist([1, null, false, 0, 2], (x) => void seen.push(x));
      expect(seen).to.deep.equal([1, null, false, 0, 2]);
    });

    it('an error stops the loop and rejects once (cl-async-future #4 fixed)', () => {
      const seen: number[] = [];
      let rejections = 0;
      const out = aeach((x: number) => {
        seen.push(x);
        if (x === 2) throw new Error('stop');
      }, [1, 2, 3]);
      attach(out, () => {}, () => rejections++);
      expect(seen).to.deep.equal([1, 2]);
      expect(rejections).to.equal(1);
    });

    it('100,000 settled items do not overflow the stack', () => {
      let sum = 0;
      const items = Array.from({ length: 100_000 }, (_, i) => i);
      expect(aeach((x: number) => void (sum += x), items).finished).to.equal(true);
      expect(sum).to.equal(4_999_950_000);
    });
  });

  describe('areduce', () => {
    it('reduces in order; fn may return futures; the list may hold futures', async () => {
      expect(await areduce((acc: string, x: string) => later(acc + x), [later('a'), 'b', 'c'], '')).to.equal('abc');
    });

    it('without initial the first element starts; an empty list then rejects', () => {
      expect(areduce((a: number, x: number) => a * x, [2, 3, 4]).values).to.deep.equal([24]);
      const empty = areduce((a: number) => a, []);
      expect(empty.error).to.be.instanceOf(TypeError);
      empty.catch(() => {});
    });
  });

  describe('afilter', () => {
    it('keeps falsy elements the predicate accepts (B18 fixed)', async () => {
      expect(await afilter(() => true, [0, null, false, '', undefined])).to.deep.equal([0, null, false, '', undefined]);
    });

    it('uses Lisp truth for the predicate result, which may be a future', async () => {
      expect(await afilter((x: number) => later(x % 2 === 0 ? false : 0), [1, 2, 3])).to.deep.equal([1, 3]);
    });
  });

  describe('chain', () => {
    it('runs every kind of step, with aliases', () => {
      const log: unknown[] = [];
      const out = chain(
        [3, 1, 2],
        ['all'],
        ['filter', (x: number) => x > 1],
        ['attach', (xs: number[]) => xs],
        ['map', (x: number) => x * 2],
        ['reduce', (a: number, x: number) => a + x],
        ['then', (v: number) => {
          throw v;
        }],
        ['catcher', (e: number) => e + 1],
        ['finally', () => log.push('done')],
      );
      expect(out.values).to.deep.equal([11]);
      expect(log).to.deep.equal(['done']);
    });

    it('an unknown step is a TypeError at the call', () => {
      expect(() => chain(1, ['bogus'] as unknown as ChainOp)).to.throw(TypeError, /bogus/);
    });
  });

  it('isTrue is Lisp truth', () => {
    expect([0, '', NaN, [], {}].every(isTrue)).to.equal(true);
    expect([null, undefined, false].some(isTrue)).to.equal(false);
  });

  it('signalError on a future held by all rejects it', () => {
    const f = makeFuture();
    const out = all([f]);
    signalError(f, 'x');
    expect(out.error).to.equal('x');
    out.catch(() => {});
  });
});
