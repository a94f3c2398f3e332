// cl-async's 2012 future tests (61e355a:test/future.lisp, 8 tests) and cl-async-future 0.4.4.1's
// suite (4853864:test/future.lisp, 10 tests / 24 checks), ported. Delays are 0.1 s instead of 0.2.
import { expect } from 'chai';
import { attachErrback, attach, finish, futurep, makeFuture, signalError, Future } from '../../src/future/future';
import { alet, aletStar, futureHandlerCase, multipleFutureBind, waitFor, HandlerScope } from '../../src/future/syntax';
import { captureUnhandled } from './helpers';

const D = 100; // ms

/** `(future-gen ...vals)`: a future finished with `vals` after D ms. */
function futureGen(...vals: unknown[]): Future {
  const f = makeFuture();
  setTimeout(() => finish(f, ...vals), D);
  return f;
}

class TestErrorLol extends Error {}
class FutureError extends TypeError {}

function sharedTests(): void {
  it('make-future', () => {
    expect(futurep(makeFuture())).to.equal(true);
    expect(futurep(makeFuture({ preserveCallbacks: true, reattachCallbacks: false }))).to.equal(true);
    expect(futurep(Symbol('make-future'))).to.equal(false);
    expect(futurep('i am a future')).to.equal(false);
    expect(futurep(null)).to.equal(false);
  });

  it('future-callbacks: callbacks run inside finish, in order', () => {
    const f = makeFuture<number>();
    let res1: number | undefined;
    let res2: number | undefined;
    attach(f, (x: number) => (res1 = x + 3));
    attach(f, (x: number) => (res2 = x + 7));
    finish(f, 5);
    expect(res1).to.equal(8);
    expect(res2).to.equal(12);
  });

  it('future-errbacks: every errback gets the very error', () => {
    const f = makeFuture();
    let err1: unknown;
    let err2: unknown;
    attachErrback(f, (e) => (err1 = e));
    attachErrback(f, (e) => (err2 = e));
    const sym = Symbol('omg-lol-wtf');
    signalError(f, sym);
    expect(err1).to.equal(sym);
    expect(err2).to.equal(sym);
  });

  it('future-alet: bindings run in parallel', async () => {
    const start = Date.now();
    let x: unknown;
    let y: unknown;
    await alet({ x: futureGen(5), y: futureGen(2) }, (v) => ({ x, y } = v));
    const elapsed = Date.now() - start;
    expect(elapsed).to.be.within(D - 5, 2 * D - 10);
    expect(x).to.equal(5);
    expect(y).to.equal(2);
  });

  it('future-alet*: bindings run in sequence', async () => {
    const start = Date.now();
    let x: unknown;
    let y: unknown;
    await aletStar([() => futureGen(5), (a: number) => futureGen(a + 2)], (a, b) => ([x, y] = [a, b]));
    const elapsed = Date.now() - start;
    expect(elapsed).to.be.within(2 * D - 5, 3 * D);
    expect(x).to.equal(5);
    expect(y).to.equal(7);
  });

  it('future-multiple-future-bind', async () => {
    let name: unknown;
    let age: unknown;
    await multipleFutureBind(futureGen('andrew', 69), (n: string, a: number) => ([name, age] = [n, a]));
    expect(name).to.equal('andrew');
    expect(age).to.equal(69);
  });

  it('future-wait-for', async () => {
    let res1: unknown;
    let res2: unknown;
    const a = waitFor(futureGen(null), () => (res1 = 2));
    const b = waitFor(futureGen(null), () => (res2 = 4));
    expect([res1, res2]).to.deep.equal([undefined, undefined]);
    await a;
    await b;
    expect(res1).to.equal(2);
    expect(res2).to.equal(4);
  });

  it('future-handler-case: the inner clause wins; an unmatched error reaches the outer one', async () => {
    let err1: unknown;
    let err2: unknown;
    // 'sym1 + 7 is a type error in Lisp; a Symbol plus a number is one in JavaScript.
    const a = futureHandlerCase(
      (outer) =>
        outer.futureHandlerCase(
          (inner) => inner.alet({ x: futureGen(Symbol('sym1')) }, ({ x }) => (x as any) + 7),
          [TypeError, (e) => (err1 = e)],
        ),
      [true, () => (err1 = 'failwhale')],
    );
    const b = futureHandlerCase(
      (outer: HandlerScope) =>
        outer.futureHandlerCase(
          (inner) =>
            inner.multipleFutureBind(futureGen('leonard', 69), () => {
              throw new TestErrorLol();
            }),
          [TypeError, (e) => (err2 = e)],
        ),
      [true, (e) => (err2 = e)],
    );
    await a;
    await b;
    expect(err1).to.be.instanceOf(TypeError);
    expect(err2).to.be.instanceOf(TestErrorLol);
  });
}

describe('cl-async 2012 future tests', () => {
  captureUnhandled();
  sharedTests();
});

describe('cl-async-future 0.4.4.1 suite', () => {
  const unhandled = captureUnhandled();
  sharedTests();

  it('forwarding: nested alets forward, so the value is 12 and not a future', () => {
    const getVal = (): Future => alet({ x: 4 }, ({ x }) => alet({ y: x + 4 }, ({ y }) => x + y));
    let res: unknown;
    alet({ r: getVal() }, ({ r }) => (res = r));
    expect(res).to.equal(12);
  });

  it('error-propagation: a stored error reaches a later errback through nested defafuns', async () => {
    const fdelay = (v: number): Future => finish(makeFuture(), v + 1);
    // `defafun`: a function returning a future F, its body under an FHC that signals F.
    const defafun =
      <A extends unknown[]>(body: (f: Future, h: HandlerScope, ...args: A) => unknown) =>
      (...args: A): Future => {
        const f = makeFuture();
        // A block body: returning the errored future would make it the callback's result.
        futureHandlerCase((h) => body(f, h, ...args), [true, (e) => void signalError(f, e)]);
        return f;
      };
    const async2 = defafun((f, h, a: number) =>
      h.aletStar([() => fdelay(a), (z: number) => z + 1], (_z, b: number) => {
        throw new FutureError('omg');
        finish(f, b + 6); // eslint-disable-line no-unreachable
      }),
    );
    const async1 = defafun((f, h, a: number) =>
      h.aletStar([() => fdelay(a), (x: number) => async2(x)], (_x, y) => finish(f, y)),
    );
    let triggered: boolean | undefined;
    let caught: unknown;
    futureHandlerCase((h) => h.waitFor(async1(1), () => (triggered = false)), [
      true,
      (e) => {
        triggered = true;
        caught = e;
      },
    ]);
    expect(caught).to.be.instanceOf(TypeError);
    expect(triggered).to.equal(true);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(unhandled.filter((u) => u.err instanceof FutureError)).to.deep.equal([]);
  });
});
