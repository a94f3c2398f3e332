import { expect } from 'chai';
import { EventLoopAlreadyStarted, EventLoopNotRunning } from '../src/errors';
import { delay, makeEvent, sleep } from '../src/event';
import {
  addEventLoopExitCallback,
  currentLoop,
  dumpEventLoopStatus,
  exitEventLoop,
  ref,
  startEventLoop,
  stats,
  unref,
  withEventLoop,
} from '../src/event-loop';
import { loopError, runLoop, secondsSince } from './support/loop';

describe('event loop', () => {
  describe('cl-async base suite', () => {
    it('event-loop-starts: the start function runs', async () => {
      let started = false;
      await runLoop(() => {
        started = true;
      });
      expect(started).to.equal(true);
    });

    it('event-loop-exit: exitEventLoop runs no pending timer', async () => {
      let value = 'no';
      await runLoop(() => {
        delay(() => (value = 'yes'), { time: 1 });
        exitEventLoop();
      });
      expect(value).to.equal('no');
    });

    it('catch-app-errors (E1): caught errors go to defaultEventCb and the loop returns', async () => {
      let err: unknown;
      await runLoop(
        () => {
          throw new Error('Test');
        },
        { catchAppErrors: true, defaultEventCb: (ev) => (err = ev) },
      );
      expect(err).to.be.instanceOf(Error).with.property('message', 'Test');
    });

    it('catch-app-errors (E3 a): with catching off the error escapes the loop', async () => {
      const err = await loopError(() => {
        throw new Error('lool');
      });
      expect(err).to.be.instanceOf(Error).with.property('message', 'lool');
    });

    it('catch-app-errors (E3 b): a catchAppErrors function receives the error', async () => {
      let err: unknown;
      await runLoop(
        () => {
          throw new Error('oh noo');
        },
        { catchAppErrors: (e) => (err = e) },
      );
      expect(err).to.be.instanceOf(Error).with.property('message', 'oh noo');
    });

    it('data-and-fn-pointers: three pending delays and the running start function', async () => {
      let counts: ReturnType<typeof stats> | undefined;
      await runLoop(() => {
        for (let i = 0; i < 3; i++) delay(() => {}, { time: 0.02 });
        counts = stats();
      });
      expect(counts).to.include({ dataRegistryCount: 4, fnRegistryCount: 5 });
    });

    it('exit-callbacks: run when the loop exits naturally', async () => {
      let value: string | undefined;
      await runLoop(() => {
        addEventLoopExitCallback(() => (value = 'omglolwtf'));
        delay(() => {}, { time: 0.02 });
      });
      expect(value).to.equal('omglolwtf');
    });
  });

  describe('liveness', () => {
    it('finishes exactly when the last handle is gone', async () => {
      const start = process.hrtime.bigint();
      await runLoop(() => {
        delay(() => {}, { time: 0.05 });
        delay(() => delay(() => {}, { time: 0.05 }), { time: 0.05 });
      });
      expect(secondsSince(start)).to.be.within(0.095, 0.5);
    });

    it('a callback that frees the last handle may start new work', async () => {
      const order: string[] = [];
      await runLoop(() => {
        const ev = makeEvent(() => order.push('never'));
        delay(() => {
          ev.free();
          delay(() => order.push('after'), { time: 0.01 });
        });
      });
      expect(order).to.deep.equal(['after']);
    });

    it('an async start function keeps its loop (and its context) across await', async () => {
      const seen: number[] = [];
      await runLoop(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        // Still inside the loop: cl-async calls work after a foreign await.
        seen.push(stats().dataRegistryCount);
        await sleep(0.01);
        seen.push(1);
      });
      expect(seen).to.have.length(2);
    });

    it('an async start function that rejects fails the loop', async () => {
      const err = await loopError(async () => {
        await sleep(0.01);
        throw new Error('late');
      });
      expect(err).to.have.property('message', 'late');
    });

    it('an unref’d handle does not keep the loop alive and is closed at exit', async () => {
      let fired = false;
      let ev: ReturnType<typeof delay> | undefined;
      const start = process.hrtime.bigint();
      await runLoop(() => {
        ev = delay(() => (fired = true), { time: 5 });
        unref(ev);
      });
      expect(secondsSince(start)).to.be.below(1);
      expect(fired).to.equal(false);
      expect(ev!.freed).to.equal(true);
    });

    it('ref() makes an unref’d handle keep the loop alive again', async () => {
      let fired = false;
      await runLoop(() => {
        const ev = delay(() => (fired = true), { time: 0.03 });
        unref(ev);
        ref(ev);
      });
      expect(fired).to.equal(true);
    });

    it('exit callbacks run last-added first', async () => {
      const order: number[] = [];
      await runLoop(() => {
        addEventLoopExitCallback(() => order.push(1));
        addEventLoopExitCallback(() => order.push(2));
        addEventLoopExitCallback(() => order.push(3));
      });
      expect(order).to.deep.equal([3, 2, 1]);
    });

    it('exitEventLoop closes every handle, including unref’d ones', async () => {
      const events: ReturnType<typeof delay>[] = [];
      await runLoop(() => {
        events.push(delay(() => {}, { time: 10 }));
        events.push(makeEvent(() => {}));
        const quiet = delay(() => {}, { time: 10 });
        unref(quiet);
        events.push(quiet);
        delay(() => exitEventLoop(), { time: 0.01 });
      });
      expect(events.map((e) => e.freed)).to.deep.equal([true, true, true]);
    });
  });

  describe('contexts', () => {
    it('cl-async calls outside a loop throw EventLoopNotRunning', () => {
      expect(() => delay(() => {})).to.throw(EventLoopNotRunning, 'Event loop not running. Start with function start-event-loop.');
      expect(() => stats()).to.throw(EventLoopNotRunning);
      expect(() => exitEventLoop()).to.throw(EventLoopNotRunning);
    });

    it('starting a loop inside a running loop is refused', async () => {
      let err: unknown;
      await runLoop(() => {
        try {
          startEventLoop(() => {});
        } catch (e) {
          err = e;
        }
      });
      expect(err).to.be.instanceOf(EventLoopAlreadyStarted);
      expect((err as Error).message).to.match(/Event loop already started/);
    });

    it('several loops run side by side, each with its own handles', async () => {
      const seen: Array<[string, number]> = [];
      const a = startEventLoop(() => {
        delay(() => seen.push(['a', stats().dataRegistryCount]), { time: 0.03 });
        delay(() => {}, { time: 0.05 });
      });
      const b = startEventLoop(() => {
        delay(() => seen.push(['b', stats().dataRegistryCount]), { time: 0.01 });
      });
      await Promise.all([a, b]);
      expect(seen).to.deep.equal([
        ['b', 1],
        ['a', 2],
      ]);
    });

    it('a callback that fires after its loop finished sees "outside a loop"', async () => {
      let late: (() => void) | undefined;
      await runLoop(() => {
        late = () => delay(() => {});
      });
      expect(late).to.throw(EventLoopNotRunning);
    });

    it('withEventLoop is sugar for startEventLoop, with or without options', async () => {
      let ran = 0;
      await withEventLoop(() => ran++);
      await withEventLoop({ catchAppErrors: true }, () => ran++);
      expect(ran).to.equal(2);
    });
  });

  describe('application errors', () => {
    it('with catching off, a timer callback error tears the loop down and rejects', async () => {
      let other = false;
      const err = await loopError(() => {
        delay(() => {
          throw new TypeError('boom');
        });
        delay(() => (other = true), { time: 0.2 });
      });
      expect(err).to.be.instanceOf(TypeError);
      expect(other, 'remaining timers are closed, not run').to.equal(false);
    });

    it('work deferred to the end of a callback runs even when a task before it throws', async () => {
      const ran: string[] = [];
      const got: unknown[] = [];
      await runLoop(
        () => {
          const loop = currentLoop();
          delay(() => {
            loop._defer({
              _runDeferred() {
                throw new Error('task');
              },
            });
            loop._defer({ _runDeferred: () => ran.push('second') });
            ran.push('callback');
          });
        },
        { catchAppErrors: (e) => got.push(e) },
      );
      expect(ran).to.deep.equal(['callback', 'second']);
      expect(got.map((e) => (e as Error).message)).to.deep.equal(['task']);
    });

    it('with catching on, the error goes to the operation’s eventCb and the loop goes on', async () => {
      const got: unknown[] = [];
      let after = false;
      await runLoop(
        () => {
          delay(
            () => {
              throw new Error('cb');
            },
            { eventCb: (e) => got.push(e) },
          );
          delay(() => (after = true), { time: 0.01 });
        },
        { catchAppErrors: true },
      );
      expect(got).to.have.length(1);
      expect(after).to.equal(true);
    });

    it('sendErrorsToEventCb: false skips the eventCb for the catchAppErrors function', async () => {
      const toEventCb: unknown[] = [];
      const toHandler: unknown[] = [];
      await runLoop(
        () => {
          delay(
            () => {
              throw new Error('x');
            },
            { eventCb: (e) => toEventCb.push(e) },
          );
        },
        { catchAppErrors: (e) => toHandler.push(e), sendErrorsToEventCb: false },
      );
      expect(toEventCb).to.have.length(0);
      expect(toHandler).to.have.length(1);
    });

    it('an error thrown by an eventCb is not fed back to it, and escapes with catching off', async () => {
      let calls = 0;
      const err = await loopError(
        () => {
          delay(
            () => {
              throw new Error('first');
            },
            {
              eventCb: (e) => {
                calls++;
                throw e;
              },
            },
          );
        },
        // Catching on routes the first error to the eventCb; its rethrow then has nowhere to
        // go but the catchAppErrors function, which rethrows too: the loop fails.
        {
          catchAppErrors: (e) => {
            throw e;
          },
        },
      );
      expect(calls).to.equal(1);
      expect(err).to.have.property('message', 'first');
    });

    it('with catching on and no handler at all, the error is logged and the loop goes on', async () => {
      const written: string[] = [];
      const original = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => {
        written.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      let after = false;
      try {
        await runLoop(
          () => {
            delay(() => {
              throw new Error('logged');
            });
            delay(() => (after = true), { time: 0.01 });
          },
          { catchAppErrors: true },
        );
      } finally {
        process.stderr.write = original;
      }
      expect(after).to.equal(true);
      expect(written.join('')).to.match(/handle-error: Error: logged/);
    });
  });

  describe('introspection', () => {
    it('stats() has every cl-async key', async () => {
      let s: ReturnType<typeof stats> | undefined;
      await runLoop(() => {
        s = stats();
      });
      expect(s).to.have.all.keys(
        'openDnsQueries',
        'fnRegistryCount',
        'dataRegistryCount',
        'incomingTcpConnections',
        'outgoingTcpConnections',
        'incomingHttpConnections',
        'outgoingHttpConnections',
      );
    });

    it('dumpEventLoopStatus lists live handles with their state', async () => {
      let dump = '';
      await runLoop(() => {
        const ev = delay(() => {}, { time: 0.01 });
        unref(ev);
        dump = dumpEventLoopStatus();
      });
      expect(dump).to.match(/^handle: start \(#\d+\)$/m);
      expect(dump).to.match(/^handle: timer \(#\d+\) unref$/m);
    });
  });
});
