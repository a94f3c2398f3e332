import { expect } from 'chai';
import { attach, finish, Future, makeFuture, signalError, values } from '../../src/future/future';
import {
  aif,
  alet,
  aletStar,
  futureHandlerCase,
  multipleFutureBind,
  multiplePromiseBind,
  wait,
  waitFor,
  walk,
  walk1,
} from '../../src/future/syntax';
import { captureUnhandled, gen } from './helpers';

const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('future syntax', () => {
  const unhandled = captureUnhandled();
  beforeEach(() => void (unhandled.length = 0));

  describe('alet', () => {
    it('array form binds first values positionally; object form by key', () => {
      const f = makeFuture();
      let arr: unknown[] = [];
      let obj: unknown;
      alet([f, 2, values(3, 'extra')], (...vs) => (arr = vs));
      alet({ a: f, b: 'b' }, (o) => (obj = o));
      expect(arr).to.deep.equal([]);
      finish(f, 1, 'ignored');
      expect(arr).to.deep.equal([1, 2, 3]);
      expect(obj).to.deep.equal({ a: 1, b: 'b' });
    });

    it('runs the body at once when every binding is settled, and with no bindings', () => {
      let ran = 0;
      alet([1, makeFuture().finish(2)], () => ran++);
      alet([], () => ran++);
      alet({}, () => ran++);
      expect(ran).to.equal(3);
    });

    it('the same future bound twice still runs the body (P15/B11 fixed)', () => {
      const f = makeFuture();
      let twice: unknown[] = [];
      let equal: unknown[] = [];
      alet([f, f], (a, b) => (twice = [a, b]));
      alet({ x: 5, y: 5 }, ({ x, y }) => (equal = [x, y]));
      finish(f, 'same');
      expect(twice).to.deep.equal(['same', 'same']);
      expect(equal).to.deep.equal([5, 5]);
    });

    it('the first binding error rejects the result; the body does not run', () => {
      const err = new Error('binding');
      let ran = false;
      const out = alet([makeFuture().signalError(err), makeFuture()], () => (ran = true));
      expect(ran).to.equal(false);
      expect(out.error).to.equal(err);
      out.catch(() => {});
    });

    it('the body result settles the alet future (values and futures included)', () => {
      expect(alet([1], (x) => values(x, 2)).values).to.deep.equal([1, 2]);
      expect(alet([1], () => makeFuture().finish('fwd')).values).to.deep.equal(['fwd']);
      const out = alet([1], () => {
        throw new TypeError('body');
      });
      expect(out.error).to.be.instanceOf(TypeError);
      out.catch(() => {});
    });
  });

  describe('aletStar', () => {
    it('runs each step after the previous one settled, with the values bound so far', () => {
      const first = makeFuture();
      const seen: unknown[][] = [];
      let body: unknown[] = [];
      aletStar(
        [
          () => first,
          (a: number) => {
            seen.push([a]);
            return a + 1;
          },
          (a: number, b: number) => {
            seen.push([a, b]);
            return values(a + b, 'extra');
          },
        ],
        (...vs) => (body = vs),
      );
      expect(seen).to.deep.equal([]);
      finish(first, 1);
      expect(seen).to.deep.equal([[1], [1, 2]]);
      expect(body).to.deep.equal([1, 2, 3]);
    });

    it('a throw in a step rejects the result and stops the steps', () => {
      let later = false;
      const out = aletStar(
        [
          () => {
            throw new Error('first');
          },
          () => (later = true),
        ],
        () => 'body',
      );
      expect(out.error).to.be.instanceOf(Error);
      expect(later).to.equal(false);
      out.catch(() => {});
    });

    it('stays on the stack for 10,000 settled steps', () => {
      const steps = Array.from({ length: 10_000 }, (_, i) => () => i);
      expect(aletStar(steps, (...vs) => vs.length).values).to.deep.equal([10_000]);
    });
  });

  describe('multipleFutureBind, waitFor, aif', () => {
    it('multipleFutureBind/multiplePromiseBind give every value; missing ones are undefined', () => {
      expect(multiplePromiseBind).to.equal(multipleFutureBind);
      let got: unknown[] = [];
      multipleFutureBind(makeFuture().finish('a'), (a: string, b?: number) => (got = [a, b]));
      expect(got).to.deep.equal(['a', undefined]);
    });

    it('waitFor/wait ignore the values', () => {
      expect(wait).to.equal(waitFor);
      let args: unknown[] | undefined;
      const f = makeFuture();
      waitFor(f, (...a: unknown[]) => (args = a));
      expect(args).to.equal(undefined);
      finish(f, 1, 2);
      expect(args).to.deep.equal([]);
    });

    it('aif: only null, undefined and false are false (0 and "" are true)', () => {
      const pick = (v: unknown): unknown => aif(v, () => 'then', () => 'else').values![0];
      expect([0, '', [], 'x'].map(pick)).to.deep.equal(['then', 'then', 'then', 'then']);
      expect([null, undefined, false].map(pick)).to.deep.equal(['else', 'else', 'else']);
      expect(aif(false, () => 'then').values).to.deep.equal([undefined]);
      expect(aif(makeFuture().finish(3), (v) => v * 2).values).to.deep.equal([6]);
    });
  });

  describe('walk, walk1', () => {
    it('walk runs thunks in order, each after the previous settled; empty gives undefined', () => {
      const log: string[] = [];
      const a = makeFuture();
      const out = walk(
        () => {
          log.push('a');
          return a;
        },
        () => {
          log.push('b');
          return values(1, 2);
        },
      );
      expect(log).to.deep.equal(['a']);
      finish(a);
      expect(log).to.deep.equal(['a', 'b']);
      expect(out.values).to.deep.equal([1, 2]);
      expect(walk().values).to.deep.equal([undefined]);
    });

    it('walk rejects when a thunk throws and skips the rest', () => {
      let ran = false;
      const out = walk(
        () => {
          throw new Error('x');
        },
        () => (ran = true),
      );
      expect(out.errored).to.equal(true);
      expect(ran).to.equal(false);
      out.catch(() => {});
    });

    it('walk1 resolves with the first values; a thunk as first is called', () => {
      expect(walk1(values(1, 2), () => 3).values).to.deep.equal([1, 2]);
      expect(walk1(() => 'first').values).to.deep.equal(['first']);
    });
  });

  describe('futureHandlerCase', () => {
    class Oops extends Error {}

    it('a synchronous throw in the body returns the matching handler\'s value', () => {
      const v = futureHandlerCase(
        () => {
          throw new Oops('sync');
        },
        [TypeError, () => 'type'],
        [Oops, (e: Oops) => `oops ${e.message}`],
      );
      expect(v).to.equal('oops sync');
      expect(() =>
        futureHandlerCase(
          () => {
            throw new RangeError('unmatched');
          },
          [Oops, () => 0],
        ),
      ).to.throw(RangeError);
    });

    it('an error on an attached future goes through the clauses once; its future rejects unreported', async () => {
      const f = makeFuture();
      const seen: unknown[] = [];
      const out = futureHandlerCase(
        (h) => h.waitFor(h.attach(f, (x: number) => x + 1), () => 'never'),
        [(e: unknown) => e === 'boom', (e) => seen.push(e)],
      );
      signalError(f, 'boom');
      expect(seen).to.deep.equal(['boom']);
      expect(out.error).to.equal('boom');
      await macrotask();
      expect(unhandled).to.deep.equal([]);
    });

    it('a throw in a callback: the handler\'s value becomes the callback\'s result', () => {
      const f = makeFuture();
      const out = futureHandlerCase(
        (h) =>
          h.attach(f, () => {
            throw new Oops('cb');
          }),
        [Oops, () => 'recovered'],
      );
      finish(f, 1);
      expect(out.values).to.deep.equal(['recovered']);
    });

    it('nested scopes: inner clauses first, then outer; neither matching lets the error through', async () => {
      const log: string[] = [];
      const run = (err: unknown): Future =>
        futureHandlerCase(
          (outer) =>
            outer.futureHandlerCase(
              (inner) =>
                inner.attach(1, () => {
                  throw err;
                }),
              [TypeError, () => log.push('inner')],
            ),
          [Oops, () => log.push('outer')],
        );
      run(new TypeError());
      run(new Oops());
      const escaped = run(new RangeError('through'));
      expect(log).to.deep.equal(['inner', 'outer']);
      expect(escaped.error).to.be.instanceOf(RangeError);
      await macrotask();
      expect(unhandled.map((u) => u.future)).to.deep.equal([escaped]);
    });

    it('h.alet: a binding error reaches the handler once (P27)', () => {
      const f = makeFuture();
      let count = 0;
      futureHandlerCase((h) => h.alet({ x: f, y: 2 }, ({ x, y }) => x + y), [true, () => count++]);
      signalError(f, new Error('binding'));
      expect(count).to.equal(1);
    });

    it('h.aletStar and h.multipleFutureBind apply the clauses', () => {
      const log: unknown[] = [];
      futureHandlerCase(
        (h) => {
          h.aletStar([() => gen(() => 1), () => makeFuture().signalError('step')], () => log.push('body'));
          h.multipleFutureBind(values(1, 2), () => {
            throw 'mfb';
          });
        },
        [true, (e) => log.push(e)],
      );
      expect(log).to.deep.equal(['step', 'mfb']);
    });

    it('the scope is lexical: the global attach inside the body is not covered', () => {
      const f = makeFuture();
      let handled = false;
      let inner: Future | undefined;
      futureHandlerCase(() => {
        inner = attach(f, () => 1);
      }, [true, () => (handled = true)]);
      signalError(f, 'uncovered');
      expect(handled).to.equal(false);
      expect(inner!.error).to.equal('uncovered');
      inner!.catch(() => {});
    });
  });
});
