import { expect } from 'chai';
import { EventFreed } from '../src/errors';
import {
  addEvent,
  AsyncEvent,
  delay,
  eventFreedP,
  freeEvent,
  interval,
  makeEvent,
  removeEvent,
  removeInterval,
  sleep,
  timer,
  withDelay,
  withInterval,
} from '../src/event';
import { runLoop, secondsSince } from './support/loop';

describe('events and timers', () => {
  describe('cl-async timer/event suite', () => {
    it('delay-simple: a delay without time runs on the next turn', async () => {
      let ran: string | undefined;
      await runLoop(() => {
        delay(() => (ran = 'lol'));
      });
      expect(ran).to.equal('lol');
    });

    it('delay-timer: a 0.2 s delay fires after 0.2 s', async () => {
      let elapsed = 0;
      const start = process.hrtime.bigint();
      await runLoop(() => {
        delay(() => (elapsed = secondsSince(start)), { time: 0.2 });
      });
      expect(elapsed).to.be.within(0.195, 0.3);
    });

    it('delay-multi: three delays all fire', async () => {
      const flags = [false, false, false];
      await runLoop(() => {
        flags.forEach((_, i) => delay(() => (flags[i] = true), { time: 0.05 }));
      });
      expect(flags).to.deep.equal([true, true, true]);
    });

    it('interval: a 0.1 s interval removed at 0.32 s ran exactly 3 times', async () => {
      let count = 0;
      await runLoop(() => {
        const it = interval(() => count++, { time: 0.1 });
        withDelay(0.32, () => removeInterval(it));
      });
      expect(count).to.equal(3);
    });
  });

  it('delays with the same time fire in the order they were made', async () => {
    const order: number[] = [];
    await runLoop(() => {
      for (let i = 0; i < 5; i++) delay(() => order.push(i), { time: 0.01 });
    });
    expect(order).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('a delay returns its event, freed after the callback ran', async () => {
    let ev: AsyncEvent | undefined;
    let freedInside: boolean | undefined;
    await runLoop(() => {
      ev = delay(() => (freedInside = ev!.freed));
      expect(ev).to.be.instanceOf(AsyncEvent);
      expect(ev.c, 'event-c is the Node timer').to.not.equal(undefined);
    });
    expect(freedInside).to.equal(false);
    expect(ev!.freed).to.equal(true);
    expect(eventFreedP(ev!)).to.equal(true);
  });

  it('withDelay takes seconds first, or only the body', async () => {
    const order: string[] = [];
    await runLoop(() => {
      withDelay(0.02, () => order.push('later'));
      withDelay(() => order.push('now'));
    });
    expect(order).to.deep.equal(['now', 'later']);
  });

  it('timer (2012) takes the time first', async () => {
    let elapsed = 0;
    const start = process.hrtime.bigint();
    await runLoop(() => {
      timer(0.05, () => (elapsed = secondsSince(start)));
    });
    expect(elapsed).to.be.within(0.045, 0.2);
  });

  it('sleep gives a Future for await-style code', async () => {
    const start = process.hrtime.bigint();
    let elapsed = 0;
    await runLoop(async () => {
      await sleep(0.05);
      elapsed = secondsSince(start);
    });
    expect(elapsed).to.be.within(0.045, 0.2);
  });

  it('withInterval runs until removed', async () => {
    let count = 0;
    await runLoop(() => {
      const cancel = withInterval(0.01, () => {
        if (++count === 4) removeInterval(cancel);
      });
    });
    expect(count).to.equal(4);
  });

  it('removing an interval twice is harmless', async () => {
    let count = 0;
    await runLoop(() => {
      const cancel = interval(() => count++, { time: 0.01 });
      withDelay(0.035, () => {
        removeInterval(cancel);
        removeInterval(cancel);
      });
    });
    expect(count).to.equal(3);
  });

  it('an interval whose callback throws keeps running when errors are caught', async () => {
    let count = 0;
    const errors: unknown[] = [];
    await runLoop(
      () => {
        const cancel = interval(
          () => {
            if (++count === 3) removeInterval(cancel);
            throw new Error(`tick ${count}`);
          },
          { time: 0.01, eventCb: (e) => errors.push(e) },
        );
      },
      { catchAppErrors: true },
    );
    expect(count).to.equal(3);
    expect(errors).to.have.length(3);
  });

  describe('generic events', () => {
    it('makeEvent waits until activated with addEvent, and keeps the loop alive meanwhile', async () => {
      let fired = 0;
      const start = process.hrtime.bigint();
      await runLoop(() => {
        const ev = makeEvent(() => fired++);
        delay(() => addEvent(ev, { activate: true }), { time: 0.05 });
      });
      expect(fired).to.equal(1);
      expect(secondsSince(start)).to.be.at.least(0.045);
    });

    it('makeEvent does not fire on its own (its "forever" timer is not clamped to 1 ms)', async () => {
      let fired = false;
      await runLoop(() => {
        const ev = makeEvent(() => (fired = true));
        delay(() => freeEvent(ev), { time: 0.05 });
      });
      expect(fired).to.equal(false);
    });

    it('addEvent with a timeout re-arms the event', async () => {
      let elapsed = 0;
      const start = process.hrtime.bigint();
      await runLoop(() => {
        const ev = makeEvent(() => (elapsed = secondsSince(start)));
        addEvent(ev, { timeout: 0.05 });
      });
      expect(elapsed).to.be.within(0.045, 0.2);
    });

    it('removeEvent stops the event: it no longer keeps the loop alive, and can be added again', async () => {
      let fired = 0;
      const start = process.hrtime.bigint();
      let ev: AsyncEvent | undefined;
      await runLoop(() => {
        ev = delay(() => fired++, { time: 5 });
        expect(removeEvent(ev)).to.equal(true);
      });
      expect(secondsSince(start)).to.be.below(1);
      expect(fired).to.equal(0);

      await runLoop(() => {
        const again = delay(() => fired++, { time: 5 });
        removeEvent(again);
        addEvent(again, { timeout: 0.01 });
      });
      expect(fired).to.equal(1);
    });

    it('freeing an event twice signals EventFreed', async () => {
      let err: unknown;
      await runLoop(() => {
        const ev = delay(() => {}, { time: 1 });
        freeEvent(ev);
        try {
          freeEvent(ev);
        } catch (e) {
          err = e;
        }
        expect(() => addEvent(ev)).to.throw(EventFreed);
      });
      expect(err).to.be.instanceOf(EventFreed);
      expect((err as EventFreed).event).to.be.instanceOf(AsyncEvent);
      expect((err as EventFreed).message).to.equal('Freed event being operated on');
    });

    it('an event that re-arms itself in its callback is not freed', async () => {
      let count = 0;
      await runLoop(() => {
        const ev = makeEvent(() => {
          if (++count < 3) addEvent(ev, { timeout: 0.005 });
        });
        addEvent(ev);
      });
      expect(count).to.equal(3);
    });
  });
});
