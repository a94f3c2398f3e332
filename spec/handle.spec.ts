import { expect } from 'chai';
import { makeEvent } from '../src/event';
import { currentLoop, ref, unref } from '../src/event-loop';
import { LoopHandle, PendingOperation } from '../src/handle';
import { runLoop, secondsSince } from './support/loop';

/** A handle to emit on: a pending operation, closed at the end. */
function withHandle(body: (h: LoopHandle) => void): Promise<void> {
  return runLoop(() => {
    const h = new PendingOperation(currentLoop(), 'test');
    try {
      body(h);
    } finally {
      h.close();
    }
  });
}

describe('handle', () => {
  describe('the event emitter (eventemitter3, made on the first listener)', () => {
    it('emit with no listener does nothing and returns false', async () => {
      let result: boolean | undefined;
      await withHandle((h) => {
        result = h.emit('data', 1);
        expect(h.listenerCount('data')).to.equal(0);
        expect(h.listeners('data')).to.deep.equal([]);
        expect(h.eventNames()).to.deep.equal([]);
      });
      expect(result).to.equal(false);
    });

    it('on, once and emit pass every argument; listeners get the handle as `this` unless given a context', async () => {
      const calls: unknown[][] = [];
      await withHandle((h) => {
        const context = { name: 'ctx' };
        h.on('x', function (this: unknown, ...args: unknown[]) {
          calls.push(['on', this === h, ...args]);
        });
        h.once('x', function (this: unknown, ...args: unknown[]) {
          calls.push(['once', this === context, ...args]);
        }, context);
        expect(h.emit('x', 1, 2, 3, 4, 5)).to.equal(true);
        expect(h.emit('x')).to.equal(true);
        expect(h.listenerCount('x')).to.equal(1);
      });
      expect(calls).to.deep.equal([
        ['on', true, 1, 2, 3, 4, 5],
        ['once', true, 1, 2, 3, 4, 5],
        ['on', true],
      ]);
    });

    it('off / removeListener / removeAllListeners take listeners away; eventNames and listeners report them', async () => {
      await withHandle((h) => {
        const a = (): void => {};
        const b = (): void => {};
        h.on('a', a).addListener('a', b).on('b', a);
        expect(h.eventNames()).to.deep.equal(['a', 'b']);
        expect(h.listeners('a')).to.deep.equal([a, b]);
        h.off('a', a);
        expect(h.listeners('a')).to.deep.equal([b]);
        h.removeListener('a', b);
        expect(h.listenerCount('a')).to.equal(0);
        h.removeAllListeners();
        expect(h.eventNames()).to.deep.equal([]);
      });
    });

    it('removing listeners from a handle that never had one is harmless', async () => {
      await runLoop(() => {
        const ev = makeEvent(() => {});
        expect(ev.off('x').removeAllListeners('x')).to.equal(ev);
        ev.free();
      });
    });
  });

  describe('ref and unref on a handle with no Node resource of its own (a pending operation)', () => {
    it('unref’d, it no longer keeps the loop alive, and the loop closes it at exit', async () => {
      let op: PendingOperation | undefined;
      const start = process.hrtime.bigint();
      await runLoop(() => {
        op = new PendingOperation(currentLoop(), 'test');
        unref(op);
      });
      expect(secondsSince(start)).to.be.below(0.5);
      expect(op!.closed).to.equal(true);
    });

    it('ref’d again, it keeps the loop alive until closed', async () => {
      const start = process.hrtime.bigint();
      await runLoop(() => {
        const op = new PendingOperation(currentLoop(), 'test');
        unref(op);
        ref(op);
        // A Node timer, not a cl-async one: only the operation holds the loop open.
        setTimeout(() => op.close(), 200);
      });
      expect(secondsSince(start)).to.be.at.least(0.19);
    });
  });
});
