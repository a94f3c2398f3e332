/**
 * Futures the cl-async way (attach, several values, alet, future-handler-case) and the
 * Node way (await), next to the Lisp they port.
 *
 *   npx ts-node examples/futures.ts
 */
import {
  alet,
  aletStar,
  attach,
  catcher,
  delay,
  finish,
  Future,
  futureHandlerCase,
  makeFuture,
  signalError,
  values,
  withEventLoop,
} from '../src';

class ServerError extends Error {}

/**
 * A slow "server call": finishes with two values, or signals an error.
 *
 *   (defun get-user-from-server (id)
 *     (let ((future (make-future)))
 *       (as:delay (lambda () (if (< id 100) (finish future name 200) (signal-error future ...))) :time 0.05)
 *       future))
 */
function getUserFromServer(id: number): Future<string> {
  const future = makeFuture<string>();
  delay(
    () => {
      if (id < 100) finish(future, `user-${id}`, 200);
      else signalError(future, new ServerError(`no user ${id}`));
    },
    { time: 0.05 },
  );
  return future;
}

export function main(log: (line: string) => void = console.log): PromiseLike<void> {
  return withEventLoop(async () => {
    // (attach (get-user-from-server 7) (lambda (name status) ...)) — every value arrives.
    attach(getUserFromServer(7), (name: string, status: number) => log(`attach: ${name} (${status})`));

    // (alet ((a (get-user 1)) (b (get-user 2))) ...) — bound in parallel: ~0.05 s, not 0.1 s.
    const started = Date.now();
    await alet([getUserFromServer(1), getUserFromServer(2)], (a, b) =>
      log(`alet: ${a} and ${b} in ${Date.now() - started < 90 ? 'parallel' : 'sequence'}`),
    );

    // (alet* ((a (get-user 3)) (b (get-user (length a)))) ...) — each step sees the ones before.
    await aletStar([() => getUserFromServer(3), (a: string) => getUserFromServer(a.length)], (a, b) =>
      log(`alet*: ${a} then ${b}`),
    );

    // (future-handler-case (multiple-future-bind (name) (get-user 500) ...) (server-error (e) ...))
    // As in Lisp, the clause handles the error where it happens; the form's value is not awaited.
    await new Promise<void>((done) =>
      futureHandlerCase(
        (h) =>
          h.attach(getUserFromServer(500), (name: string) => {
            log(`never: ${name}`);
            done();
          }),
        [
          ServerError,
          (e: ServerError) => {
            log(`future-handler-case caught: ${e.message}`);
            done();
          },
        ],
      ),
    );

    // (catcher (get-user 600) (server-error (e) :fallback)) — blackbird's catcher.
    const fallback = await catcher(getUserFromServer(600), [ServerError, () => 'fallback']);
    log(`catcher: ${fallback}`);

    // A callback returns several values with (values ...).
    attach(
      attach(getUserFromServer(9), (name: string) => values(name.toUpperCase(), name.length)),
      (upper: string, length: number) => log(`values: ${upper} ${length}`),
    );

    // And the Promise face: await gives the first value.
    log(`await: ${await getUserFromServer(42)}`);
  });
}

if (require.main === module) {
  main().then(() => console.log('loop finished'));
}
