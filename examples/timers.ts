/**
 * Timers, intervals, signals and notifiers, next to the cl-async code they port.
 *
 *   npx ts-node examples/timers.ts
 */
import {
  delay,
  freeSignalHandler,
  interval,
  makeNotifier,
  removeInterval,
  SIGHUP,
  signalHandler,
  stats,
  triggerNotifier,
  withDelay,
  withEventLoop,
} from '../src';

export function main(log: (line: string) => void = console.log): PromiseLike<void> {
  // (as:with-event-loop () ...)
  return withEventLoop(() => {
    const start = Date.now();
    const at = (): string => `${((Date.now() - start) / 1000).toFixed(2)}s`;

    // (as:delay (lambda () (format t "hello~%")) :time 0.1)
    delay(() => log(`${at()} delay fired`), { time: 0.1 });

    // (let ((ticks 0)) (setf it (as:interval (lambda () (incf ticks)) :time 0.05)))
    let ticks = 0;
    const ticker = interval(() => log(`${at()} tick ${++ticks}`), { time: 0.05 });
    // (as:with-delay (0.175) (as:remove-interval it))
    withDelay(0.175, () => {
      removeInterval(ticker);
      log(`${at()} interval removed after ${ticks} ticks`);
    });

    // A signal handler keeps the loop alive until it is freed:
    // (as:signal-handler as:+sighup+ (lambda (sig) ...))
    signalHandler(SIGHUP!, (signo) => {
      log(`${at()} got signal ${signo}`);
      // (as:free-signal-handler as:+sighup+)
      freeSignalHandler(SIGHUP!);
    });
    withDelay(0.25, () => process.kill(process.pid, 'SIGHUP'));

    // Notifiers are how other threads wake the loop; here we trigger one ourselves.
    const notifier = makeNotifier(() => log(`${at()} notifier ran`));
    withDelay(0.3, () => triggerNotifier(notifier));

    log(`${at()} handles in the loop: ${stats().dataRegistryCount}`);
  });
}

if (require.main === module) {
  main().then(() => console.log('loop finished: nothing left to do'));
}
