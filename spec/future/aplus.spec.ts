import { Future } from '../../src/future/future';

// The Promises/A+ 1.1 compliance suite (872 tests), run on the Promise face of Future.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aplus = require('promises-aplus-tests') as { mocha(adapter: unknown): void };

describe('Promises/A+ (promises-aplus-tests)', () => {
  let saved: typeof Future.onUnhandledError;
  // The suite deliberately leaves rejections unobserved; keep stderr quiet while it runs.
  before(() => {
    saved = Future.onUnhandledError;
    Future.onUnhandledError = () => {};
  });
  after(() => {
    Future.onUnhandledError = saved;
  });

  aplus.mocha({
    deferred() {
      const promise = new Future();
      // Some tests build rejected promises while mocha loads, before `before` runs.
      promise._markHandled();
      return {
        promise,
        resolve: (value: unknown) => promise.finish(value),
        reject: (reason: unknown) => promise.signalError(reason),
      };
    },
  });
});
