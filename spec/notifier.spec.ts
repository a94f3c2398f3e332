import { expect } from 'chai';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { NotifierFreed } from '../src/errors';
import { delay, withDelay } from '../src/event';
import { startEventLoop, unref } from '../src/event-loop';
import { freeNotifier, makeNotifier, Notifier, notifierFreedP, triggerNotifier } from '../src/notifier';
import { runLoop } from './support/loop';

const notifierModule = resolve(__dirname, '../src/notifier.ts');

/** A worker that loads cl-async and triggers the notifier whose port it was given. */
function triggerFromWorker(notifier: Notifier, afterMs: number): Worker {
  const code = `
    require('ts-node/register/transpile-only');
    const { workerData } = require('node:worker_threads');
    const { triggerNotifier } = require(${JSON.stringify(notifierModule)});
    setTimeout(() => triggerNotifier(workerData.port), workerData.afterMs);
  `;
  return new Worker(code, { eval: true, workerData: { port: notifier.port, afterMs }, transferList: [notifier.port] });
}

describe('notifiers', () => {
  it('threading-delay: a notifier triggered from another thread (42 + 69 = 111)', async () => {
    let value = 0;
    let worker: Worker | undefined;
    await runLoop(() => {
      const notifier = makeNotifier(() => (value += 42));
      worker = triggerFromWorker(notifier, 200);
      withDelay(0.2, () => (value += 69));
    });
    await worker!.terminate();
    expect(value).to.equal(111);
  });

  it('an untriggered notifier keeps the loop alive; one trigger from outside any loop fires it', async () => {
    let fired = 0;
    let notifier: Notifier | undefined;
    const done = startEventLoop(() => {
      notifier = makeNotifier(() => fired++);
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).to.equal(0);
    triggerNotifier(notifier!); // this test body is not inside the loop
    await done;
    expect(fired).to.equal(1);
    expect(notifierFreedP(notifier!), 'single-shot notifiers free themselves').to.equal(true);
  });

  it('triggers before the callback runs coalesce into one call', async () => {
    let fired = 0;
    await runLoop(() => {
      const notifier = makeNotifier(() => fired++, { singleShot: false });
      triggerNotifier(notifier);
      triggerNotifier(notifier);
      triggerNotifier(notifier);
      delay(() => {
        triggerNotifier(notifier);
        delay(() => freeNotifier(notifier), { time: 0.01 });
      }, { time: 0.01 });
    });
    expect(fired).to.equal(2);
  });

  it('operating on a freed notifier signals NotifierFreed', async () => {
    const errors: unknown[] = [];
    await runLoop(() => {
      const notifier = makeNotifier(() => {});
      freeNotifier(notifier);
      for (const op of [() => triggerNotifier(notifier), () => freeNotifier(notifier)]) {
        try {
          op();
        } catch (e) {
          errors.push(e);
        }
      }
    });
    expect(errors).to.have.length(2);
    errors.forEach((e) => expect(e).to.be.instanceOf(NotifierFreed));
  });

  it('an unref’d notifier does not keep the loop alive', async () => {
    let notifier: Notifier | undefined;
    await runLoop(() => {
      notifier = makeNotifier(() => {});
      unref(notifier);
    });
    expect(notifier!.freed).to.equal(true);
  });

  it('callback errors go to the notifier’s eventCb when caught', async () => {
    const got: unknown[] = [];
    await runLoop(
      () => {
        const notifier = makeNotifier(
          () => {
            throw new Error('in notifier');
          },
          { eventCb: (e) => got.push(e) },
        );
        triggerNotifier(notifier);
      },
      { catchAppErrors: true },
    );
    expect(got).to.have.length(1);
  });
});
