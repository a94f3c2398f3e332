import { expect } from 'chai';
import { constants } from 'node:os';
import { EventError } from '../src/errors';
import { delay } from '../src/event';
import { ref, unref } from '../src/event-loop';
import {
  clearSignalHandlers,
  freeSignalHandler,
  SIGHUP,
  SIGINT,
  SIGKILL,
  SIGTERM,
  SIGUSR1,
  SIGUSR2,
  SIGWINCH,
  signalHandler,
} from '../src/signal';
import { runLoop, secondsSince } from './support/loop';
import { activeResources } from './support/sockets';

describe('signals', () => {
  it('signal-handler-add-remove: a handler keeps the loop alive until freed', async () => {
    const start = process.hrtime.bigint();
    await runLoop(() => {
      signalHandler(SIGINT!, () => {});
      delay(() => freeSignalHandler(SIGINT!), { time: 0.2 });
    });
    expect(secondsSince(start)).to.be.within(0.195, 0.4);
    expect(process.listenerCount('SIGINT')).to.equal(0);
  });

  it('delivers a real signal to the callback with its number', async () => {
    const got: number[] = [];
    await runLoop(() => {
      signalHandler(SIGUSR2!, (signo) => {
        got.push(signo);
        freeSignalHandler(SIGUSR2!);
      });
      delay(() => process.kill(process.pid, 'SIGUSR2'));
    });
    expect(got).to.deep.equal([SIGUSR2]);
  });

  it('accepts Node signal names too', async () => {
    const got: number[] = [];
    await runLoop(() => {
      signalHandler('SIGWINCH', (signo) => {
        got.push(signo);
        freeSignalHandler('SIGWINCH');
      });
      delay(() => process.kill(process.pid, 'SIGWINCH'));
    });
    expect(got).to.deep.equal([SIGWINCH]);
  });

  it('registering a signal again replaces the earlier handler', async () => {
    const got: string[] = [];
    await runLoop(() => {
      signalHandler(SIGHUP!, () => got.push('first'));
      signalHandler(SIGHUP!, () => {
        got.push('second');
        clearSignalHandlers();
      });
      expect(process.listenerCount('SIGHUP')).to.equal(1);
      delay(() => process.kill(process.pid, 'SIGHUP'));
    });
    expect(got).to.deep.equal(['second']);
  });

  it('clearSignalHandlers frees them all; the loop exit frees any left', async () => {
    await runLoop(() => {
      signalHandler(SIGHUP!, () => {});
      signalHandler(SIGTERM!, () => {});
      delay(() => clearSignalHandlers(), { time: 0.01 });
    });
    expect(process.listenerCount('SIGHUP') + process.listenerCount('SIGTERM')).to.equal(0);
  });

  it('an uncatchable signal is refused with an EventError', async () => {
    let err: unknown;
    await runLoop(() => {
      try {
        signalHandler(SIGKILL!, () => {});
      } catch (e) {
        err = e;
      }
    });
    expect(err).to.be.instanceOf(EventError).with.property('code', 'EINVAL');
  });

  it('unref: a handler keeps neither the loop nor the process alive (the loop frees it at exit); ref undoes that', async () => {
    // The handler's hold on the process is a ref'd Node timer; Node lists only ref'd ones.
    const timers = (): number => activeResources('Timeout');
    const counts: number[] = [];
    const start = process.hrtime.bigint();
    await runLoop(() => {
      const handler = signalHandler(SIGUSR2!, () => {});
      counts.push(timers());
      unref(handler);
      counts.push(timers());
      ref(handler);
      counts.push(timers());
      unref(handler);
    });
    expect(secondsSince(start)).to.be.below(0.5);
    expect(counts[1], 'Node timer unref’d').to.equal(counts[0] - 1);
    expect(counts[2], 'Node timer ref’d again').to.equal(counts[0]);
    expect(process.listenerCount('SIGUSR2')).to.equal(0);
  });

  it('a ref’d-again handler keeps the loop alive until freed', async () => {
    const start = process.hrtime.bigint();
    await runLoop(() => {
      const handler = signalHandler(SIGUSR2!, () => {});
      unref(handler);
      ref(handler);
      // A Node timer, not a cl-async one: only the handler holds the loop open.
      setTimeout(() => freeSignalHandler(SIGUSR2!), 200);
    });
    expect(secondsSince(start)).to.be.at.least(0.19);
    expect(process.listenerCount('SIGUSR2')).to.equal(0);
  });

  it('constants keep cl-async names with the host numbers', () => {
    expect(SIGINT).to.equal(constants.signals.SIGINT);
    expect(SIGUSR1).to.equal(constants.signals.SIGUSR1);
    expect(SIGUSR2).to.equal(constants.signals.SIGUSR2);
  });
});
