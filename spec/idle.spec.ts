import { expect } from 'chai';
import { delay } from '../src/event';
import { unref } from '../src/event-loop';
import { freeIdler, idle, Idler, idlerFreedP } from '../src/idle';
import { runLoop } from './support/loop';

describe('idlers', () => {
  it('idle: runs once per iteration until it frees itself (517 times)', async () => {
    let count = 0;
    await runLoop(() => {
      const idler = idle(() => {
        if (++count >= 517) freeIdler(idler);
      });
    });
    expect(count).to.equal(517);
  });

  it('runs alongside timers, once per loop iteration', async () => {
    let ticks = 0;
    let idler: Idler | undefined;
    await runLoop(() => {
      idler = idle(() => ticks++);
      delay(() => freeIdler(idler!), { time: 0.03 });
    });
    expect(ticks).to.be.greaterThan(3);
    expect(idlerFreedP(idler!)).to.equal(true);
    freeIdler(idler!); // idempotent
  });

  it('an unref’d idler does not keep the loop alive', async () => {
    let idler: Idler | undefined;
    await runLoop(() => {
      idler = idle(() => {});
      unref(idler);
      delay(() => {}, { time: 0.01 });
    });
    expect(idler!.freed).to.equal(true);
  });
});
