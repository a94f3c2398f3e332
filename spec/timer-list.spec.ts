import { expect } from 'chai';
import { AsyncEvent, delay, makeEvent, removeEvent } from '../src/event';
import { currentLoop, ref, unref } from '../src/event-loop';
import { TimerList, TimerNode } from '../src/timer-list';
import { runLoop } from './support/loop';
import { activeResources } from './support/sockets';

/** Node timers alive in this process (the lists' own, and any other test's). */
const nodeTimeouts = (): number => activeResources('Timeout');

/** A bare list node that records when it expired. */
function node(fired: string[], name: string, refed = true): TimerNode {
  return {
    _due: 0,
    _timerPrev: null,
    _timerNext: null,
    _timerList: null,
    _refed: refed,
    _expire: () => fired.push(name),
  };
}

describe('timer lists', () => {
  it('events with the same wait share one Node timer; other waits get their own', async () => {
    await runLoop(() => {
      const before = nodeTimeouts();
      const a = delay(() => {}, { time: 0.02 });
      const b = delay(() => {}, { time: 0.02 });
      const c = delay(() => {}, { time: 0.03 });
      expect(a.c).to.not.equal(undefined);
      expect(b.c).to.equal(a.c);
      expect(c.c).to.not.equal(a.c);
      expect(nodeTimeouts() - before).to.equal(2);
    });
  });

  it('events of one list due together run back to back, in the order they were armed', async () => {
    const order: string[] = [];
    await runLoop(() => {
      for (const name of ['a', 'b', 'c']) {
        delay(
          () => {
            order.push(name);
            void Promise.resolve().then(() => order.push(`${name}-micro`));
          },
          { time: 0.01 },
        );
      }
    });
    expect(order).to.deep.equal(['a', 'b', 'c', 'a-micro', 'b-micro', 'c-micro']);
  });

  it('freeing or removing a later event from an earlier callback of the batch stops it; re-arming in its own callback fires it again', async () => {
    const fired: string[] = [];
    await runLoop(() => {
      let again = true;
      const self: AsyncEvent = delay(
        () => {
          fired.push('self');
          if (again) {
            again = false;
            self.add(0.01);
          }
        },
        { time: 0.01 },
      );
      delay(() => {
        fired.push('first');
        second.free();
        removeEvent(third);
      }, { time: 0.01 });
      const second = delay(() => fired.push('second'), { time: 0.01 });
      const third = delay(() => fired.push('third'), { time: 0.01 });
      // A removed event no longer keeps the loop alive; freeing it lets the loop finish.
      delay(() => third.free(), { time: 0.05 });
    });
    expect(fired).to.deep.equal(['self', 'first', 'self']);
  });

  it('removing the first event of a list leaves the others on time; an emptied list drops its Node timer', async () => {
    const fired: string[] = [];
    let timersWhileArmed = 0;
    let timersAfterRemoval = 0;
    await runLoop(() => {
      const before = nodeTimeouts();
      const first = delay(() => fired.push('first'), { time: 0.03 });
      delay(() => fired.push('second'), { time: 0.03 });
      removeEvent(first);
      first.free();
      const lonely = delay(() => fired.push('lonely'), { time: 0.5 });
      timersWhileArmed = nodeTimeouts() - before;
      removeEvent(lonely);
      timersAfterRemoval = nodeTimeouts() - before;
      lonely.free();
    });
    expect(fired).to.deep.equal(['second']);
    expect(timersWhileArmed).to.equal(2);
    expect(timersAfterRemoval).to.equal(1);
  });

  it("a list's Node timer keeps the process alive only while one of its events does", async () => {
    const seen: boolean[] = [];
    await runLoop(() => {
      const a = makeEvent(() => {});
      const b = makeEvent(() => {});
      const hasRef = (): boolean => a.c!.hasRef();
      seen.push(hasRef());
      unref(a);
      seen.push(hasRef());
      unref(b);
      seen.push(hasRef());
      ref(b);
      seen.push(hasRef());
      a.free();
      b.free();
    });
    expect(seen).to.deep.equal([true, true, false, true]);
  });

  it('a node armed later in a list waits for its own time: the list runs the first, then re-arms for it', async () => {
    const fired: string[] = [];
    const loop = await new Promise<ReturnType<typeof currentLoop>>((resolve) => {
      void runLoop(() => resolve(currentLoop()));
    });
    // Armed directly on a list: waits of 20 ms, the second armed 15 ms after the first.
    const early = node(fired, 'early');
    const late = node(fired, 'late');
    TimerList.arm(loop, early, 20);
    await new Promise((r) => setTimeout(r, 15));
    TimerList.arm(loop, late, 20);
    await new Promise((r) => setTimeout(r, 10));
    expect(fired).to.deep.equal(['early']);
    expect(late._timerList).to.not.equal(null);
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).to.deep.equal(['early', 'late']);
    expect(late._timerList).to.equal(null);
  });
});
