import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EventError,
  EventLoopNotRunning,
  FilesystemEacces,
  FilesystemEnoent,
  FilesystemEperm,
  FilesystemError,
} from '../src/errors';
import { delay } from '../src/event';
import { currentLoop, EventLoop, exitEventLoop, stats, unref } from '../src/event-loop';
import { filesystemError, FsMonitor, fsMonitorClose, fsUnwatch, fsWatch, mkdtemp } from '../src/fs';
import { calledOnce, loopError, never, runLoop, secondsSince } from './support/loop';

type WatchEvent = { step: number; path: string | null; renamed: boolean; changed: boolean };

/** A real errno error from Node, as a failed syscall makes it. */
function errnoError(code: string, errno: number, at: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, open '${at}'`), { code, errno, syscall: 'open', path: at });
}

describe('fs', () => {
  let base: string;
  let scratch = 0;
  /** A fresh empty directory under this suite's temp dir. */
  const freshDir = (): string => fs.mkdirSync(path.join(base, `d${scratch++}`), { recursive: true })!;

  before(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-async-fs-'));
  });

  after(() => fs.rmSync(base, { recursive: true, force: true }));

  describe('cl-async filesystem suite', () => {
    it('mkdtemp: the callback gets a new directory made from the template', async () => {
      let made: string | undefined;
      const cb = calledOnce((directory: string) => (made = directory));
      await runLoop(() => mkdtemp(path.join(base, 'tstXXXXXX'), cb));
      cb.check();
      expect(path.dirname(made!)).to.equal(base);
      expect(path.basename(made!)).to.match(/^tst.{6}$/).and.not.equal('tstXXXXXX');
      expect(fs.statSync(made!).isDirectory()).to.equal(true);
    });

    it('mkdtemp-fail: with no eventCb, FilesystemEnoent escapes the loop', async () => {
      const template = `/whatever-${process.pid}-${Date.now()}/abcXXXXXX`;
      const err = await loopError(() => mkdtemp(template, never('cb')));
      expect(err).to.be.instanceOf(FilesystemEnoent);
      expect(err).to.include({ code: 'ENOENT', errcode: -os.constants.errno.ENOENT, path: template });
    });

    it('fs-monitor: mkdir, write a file, rmdir each report; unwatch after three', async () => {
      const dir = freshDir();
      const steps = [
        () => fs.mkdirSync(path.join(dir, '42')),
        () => fs.writeFileSync(path.join(dir, '4242'), 'hello'),
        () => fs.rmdirSync(path.join(dir, '42')),
      ];
      const events: WatchEvent[] = [];
      let done = 0;
      let monitor: FsMonitor | undefined;
      await runLoop(() => {
        monitor = fsWatch(dir, (m, name, renamed, changed) => {
          expect(m).to.equal(monitor);
          events.push({ step: done, path: name, renamed, changed });
          // The first event of a step moves on; the rest of that step's events just pile up.
          if (events.filter((e) => e.step === done).length > 1) return;
          if (done === steps.length) fsUnwatch(m);
          else delay(() => steps[done++]!(), { time: 0.05 });
        });
        steps[done++]!();
      });
      const at = (step: number) => events.filter((e) => e.step === step);
      expect(at(1)).to.deep.include({ step: 1, path: '42', renamed: true, changed: false });
      expect(at(2).map((e) => e.path)).to.include('4242');
      expect(at(3)).to.deep.include({ step: 3, path: '42', renamed: true, changed: false });
      expect(monitor!.watching).to.equal(false);
    });

    it('fs-watch-failure: a missing path throws FilesystemEnoent at the call, which escapes the loop', async () => {
      const missing = path.join(base, 'no-such-dir');
      let sync: unknown;
      let before: ReturnType<typeof stats> | undefined;
      let after: ReturnType<typeof stats> | undefined;
      const err = await loopError(() => {
        before = stats();
        try {
          fsWatch(missing, never('callback'));
        } catch (e) {
          sync = e;
          after = stats();
          throw e;
        }
      });
      expect(err).to.equal(sync);
      expect(err).to.be.instanceOf(FilesystemEnoent).with.property('path', missing);
      expect(after).to.deep.equal(before);
    });
  });

  describe('errors', () => {
    it('one errno mapping: ENOENT, EACCES, EPERM get their class, anything else FilesystemError', () => {
      const cases: Array<[string, number, typeof FilesystemError]> = [
        ['ENOENT', -2, FilesystemEnoent],
        ['EACCES', -13, FilesystemEacces],
        ['EPERM', -1, FilesystemEperm],
        ['EEXIST', -17, FilesystemError],
      ];
      for (const [code, errno, Condition] of cases) {
        const cause = errnoError(code, errno, '/some/where');
        const condition = filesystemError(cause);
        expect(condition.constructor, code).to.equal(Condition);
        expect(condition).to.be.instanceOf(FilesystemError).and.instanceOf(EventError);
        expect(condition).to.include({ code, errcode: errno, path: '/some/where', cause });
      }
      expect(filesystemError(errnoError('EPERM', -1, '/a'), '/b').path).to.equal('/b');
    });

    it('mkdtemp gives a failure to its eventCb once, and the loop goes on', async () => {
      const eventCb = calledOnce((ev: unknown) => expect(ev).to.be.instanceOf(FilesystemEnoent));
      await runLoop(() => mkdtemp(path.join(base, 'missing', 'xXXXXXX'), never('cb'), { eventCb }));
      eventCb.check();
    });

    it('mkdtemp under a regular file is a plain FilesystemError (ENOTDIR)', async () => {
      const file = path.join(freshDir(), 'file');
      fs.writeFileSync(file, '');
      const err = await loopError(() => mkdtemp(path.join(file, 'xXXXXXX'), never('cb')));
      expect(err).to.be.instanceOf(FilesystemError).with.property('code', 'ENOTDIR');
      for (const Narrower of [FilesystemEnoent, FilesystemEacces, FilesystemEperm]) {
        expect(err).not.to.be.instanceOf(Narrower);
      }
    });

    it('mkdtemp in a directory it may not write to is FilesystemEacces (not as root)', async function () {
      if (process.getuid?.() === 0) this.skip();
      const dir = freshDir();
      fs.chmodSync(dir, 0o500);
      const err = await loopError(() => mkdtemp(path.join(dir, 'xXXXXXX'), never('cb')));
      expect(err).to.be.instanceOf(FilesystemEacces).with.property('code', 'EACCES');
    });

    it('a template not ending in XXXXXX throws FilesystemError EINVAL at the call, creating nothing', async () => {
      const dir = freshDir();
      let thrown: unknown;
      let before: ReturnType<typeof stats> | undefined;
      let after: ReturnType<typeof stats> | undefined;
      await runLoop(() => {
        before = stats();
        try {
          mkdtemp(path.join(dir, 'tstXXXXX'), never('cb'), { eventCb: never('eventCb') });
        } catch (err) {
          thrown = err;
        }
        after = stats();
      });
      expect(thrown).to.be.instanceOf(FilesystemError).with.property('code', 'EINVAL');
      expect(after).to.deep.equal(before);
      expect(fs.readdirSync(dir)).to.deep.equal([]);
    });

    it('an error thrown by a watch callback goes to its eventCb when the loop catches app errors', async () => {
      const dir = freshDir();
      const boom = new Error('boom');
      const eventCb = calledOnce((ev: unknown) => {
        expect(ev).to.equal(boom);
        fsMonitorClose(monitor);
      });
      let monitor!: FsMonitor;
      await runLoop(
        () => {
          monitor = fsWatch(
            dir,
            () => {
              throw boom;
            },
            { eventCb },
          );
          fs.writeFileSync(path.join(dir, 'f'), '');
        },
        { catchAppErrors: true },
      );
      eventCb.check();
    });

    it('a watch error goes to the eventCb as a FilesystemError and closes the monitor', async () => {
      // inotify errors cannot be provoked on demand; the watcher's own 'error' event stands in.
      const failure = errnoError('EACCES', -13, base);
      const eventCb = calledOnce((ev: unknown) => {
        expect(ev).to.be.instanceOf(FilesystemEacces).and.include({ cause: failure, path: base });
      });
      let monitor: FsMonitor | undefined;
      await runLoop(() => {
        monitor = fsWatch(base, never('callback'), { eventCb });
        (monitor as unknown as { watcher: fs.FSWatcher }).watcher.emit('error', failure);
      });
      eventCb.check();
      expect(monitor!.closed).to.equal(true);
    });

    it('outside a loop: EventLoopNotRunning', () => {
      expect(() => mkdtemp(path.join(base, 'xXXXXXX'), never())).to.throw(EventLoopNotRunning);
      expect(() => fsWatch(base, never())).to.throw(EventLoopNotRunning);
    });
  });

  describe('monitors are loop handles', () => {
    it('the loop finishes only once the monitor is closed', async () => {
      const start = process.hrtime.bigint();
      let monitor: FsMonitor | undefined;
      await runLoop(() => {
        monitor = fsWatch(freshDir(), never('callback'));
        delay(() => fsMonitorClose(monitor!), { time: 0.15 });
      });
      expect(secondsSince(start)).to.be.at.least(0.1);
      expect(monitor!.closed).to.equal(true);
    });

    it('unwatch and close are idempotent; nothing is reported after unwatch', async () => {
      const dir = freshDir();
      let calls = 0;
      let monitor: FsMonitor | undefined;
      await runLoop(() => {
        monitor = fsWatch(dir, () => calls++);
        fsUnwatch(monitor);
        fsUnwatch(monitor);
        expect(monitor.watching).to.equal(false);
        expect(monitor.closed).to.equal(false);
        fs.writeFileSync(path.join(dir, 'late'), 'x');
        delay(() => {
          fsMonitorClose(monitor!);
          fsMonitorClose(monitor!);
          fsUnwatch(monitor!);
        }, { time: 0.1 });
      });
      expect(calls).to.equal(0);
      expect(monitor!.closed).to.equal(true);
    });

    it('an unref’d monitor does not keep the loop alive', async () => {
      const start = process.hrtime.bigint();
      await runLoop(() => unref(fsWatch(freshDir(), never('callback'))));
      expect(secondsSince(start)).to.be.below(1);
    });

    it('exitEventLoop closes a monitor, and callbacks run in their loop', async () => {
      const dir = freshDir();
      let monitor: FsMonitor | undefined;
      let loop: EventLoop | undefined;
      let inLoop: EventLoop | undefined;
      await runLoop(() => {
        loop = currentLoop();
        monitor = fsWatch(dir, () => {
          inLoop = currentLoop();
          exitEventLoop();
        });
        fs.writeFileSync(path.join(dir, 'f'), '');
      });
      expect(inLoop).to.equal(loop);
      expect(monitor!.closed).to.equal(true);
    });

    it('leaves no Node resource behind', async () => {
      await new Promise((resolve) => setImmediate(resolve)); // mocha arms its own timer after the first await
      const before = process.getActiveResourcesInfo().sort();
      const dir = freshDir();
      await runLoop(() => {
        mkdtemp(path.join(dir, 'aXXXXXX'), () => {});
        mkdtemp(path.join(dir, 'missing', 'bXXXXXX'), never('cb'), { eventCb: () => {} });
        const unwatched = fsWatch(dir, () => {});
        fsUnwatch(unwatched);
        const watched = fsWatch(dir, () => fsMonitorClose(watched));
        fs.writeFileSync(path.join(dir, 'f'), '');
        fsWatch(dir, () => {}); // closed by the exit below
        delay(() => exitEventLoop(), { time: 0.1 });
      });
      // Node frees a closed handle in the close phase, after the turn that finished the loop.
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(process.getActiveResourcesInfo().sort()).to.deep.equal(before);
    });
  });
});
