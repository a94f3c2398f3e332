/**
 * Test harness after cl-async's own (`with-test-event-loop`, `called-once`, `never`):
 * run a body in a fresh loop and check, once the loop has finished, what happened in it.
 */
import { expect } from 'chai';
import { EventLoopOptions, startEventLoop } from '../../src/event-loop';

/** Run `body` in a new loop; resolves when the loop finished, rejects with its error. */
export async function runLoop(body: () => unknown, options: EventLoopOptions = {}): Promise<void> {
  await startEventLoop(body, options);
}

/** A loop run that must reject: resolves with what it rejected with. */
export async function loopError(body: () => unknown, options: EventLoopOptions = {}): Promise<unknown> {
  try {
    await startEventLoop(body, options);
  } catch (err) {
    return err;
  }
  throw new Error('expected the event loop to fail');
}

/** Wrap a callback and count its calls; `check()` asserts it ran exactly once. */
export function calledOnce<A extends unknown[]>(fn: (...args: A) => void = () => {}): ((...args: A) => void) & {
  calls: number;
  check(): void;
} {
  const wrapped = Object.assign(
    (...args: A) => {
      wrapped.calls++;
      fn(...args);
    },
    {
      calls: 0,
      check() {
        expect(wrapped.calls, 'callback calls').to.equal(1);
      },
    },
  );
  return wrapped;
}

/** A callback that fails the test if it is ever called. */
export function never(name = 'callback'): (...args: unknown[]) => never {
  return (...args: unknown[]) => {
    throw new Error(`${name} must not be called (got ${args.map(String).join(', ')})`);
  };
}

/** Seconds since `start` (a `process.hrtime.bigint()` reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
