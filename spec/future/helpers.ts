import { Future } from '../../src/future/future';
import { createPromise } from '../../src/future/util';

/** A future settled with `thunk()`'s values after `ms` (at once without `ms`); a throw rejects. */
export function gen(thunk: () => unknown, ms?: number): Future {
  return createPromise((resolve, reject) => {
    const go = (): void => {
      try {
        resolve(thunk());
      } catch (e) {
        reject(e);
      }
    };
    if (ms === undefined) go();
    else setTimeout(go, ms);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Collects `Future.onUnhandledError` reports while the enclosing describe runs, so suites that
 * leave errors unobserved on purpose stay quiet and can assert on what was reported.
 */
export function captureUnhandled(): Array<{ err: unknown; future: Future }> {
  const reports: Array<{ err: unknown; future: Future }> = [];
  let saved: typeof Future.onUnhandledError;
  before(() => {
    saved = Future.onUnhandledError;
    Future.onUnhandledError = (err, future) => void reports.push({ err, future });
  });
  after(() => {
    Future.onUnhandledError = saved;
  });
  return reports;
}
