import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AsyncIoStream } from '../src/async-stream';
import { EventError, FilesystemEacces, FilesystemEnoent, FilesystemError, StreamishBrokenPipe } from '../src/errors';
import { delay } from '../src/event';
import { dumpEventLoopStatus, exitEventLoop, stats, unref } from '../src/event-loop';
import {
  AsyncProcess,
  processErrorOutput,
  processInput,
  processKill,
  processOutput,
  spawn,
} from '../src/process';
import { AsyncSocket, closeSocket, socketClosedP, writeSocketData } from '../src/socket';
import { streamish } from '../src/streamish';
import { calledOnce, loopError, never, runLoop, secondsSince } from './support/loop';
import { activeResources, pattern, resourceBaseline, settle, sha256 } from './support/sockets';

const SIGINT = os.constants.signals.SIGINT;
const SIGTERM = os.constants.signals.SIGTERM;

const processWraps = (): number => activeResources('ProcessWrap');

/** Node's handles (pipes, timers, children) now; `check()` after the loop: none left over. */
async function handleBaseline(): Promise<{ check(): Promise<void> }> {
  const sockets = await resourceBaseline();
  const children = processWraps();
  return {
    async check() {
      await sockets.check();
      expect(processWraps(), 'child process handles').to.equal(children);
    },
  };
}

/** Is a process with this id still there (not yet reaped)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('process', () => {
  let base: string;
  let scratch = 0;
  const freshDir = (): string => fs.mkdirSync(path.join(base, `d${scratch++}`), { recursive: true })!;

  before(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-async-process-'));
  });

  after(() => fs.rmSync(base, { recursive: true, force: true }));

  describe('cl-async process suite', () => {
    it('spawn-simple: touch runs, exitCb gets (process, 0, 0) once, the file exists', async () => {
      const file = path.join(freshDir(), 'blabla');
      let proc: AsyncProcess | undefined;
      const exitCb = calledOnce((p: AsyncProcess, status: number, signal: number) => {
        expect(fs.existsSync(file)).to.equal(true);
        expect(p).to.equal(proc);
        expect([status, signal]).to.deep.equal([0, 0]);
      });
      const leaks = await handleBaseline();
      await runLoop(() => {
        [proc] = spawn('touch', [file], { exitCb });
      });
      exitCb.check();
      await leaks.check();
    });

    it('spawn-redirect-output: data and writes reach cat; closing input ends it', async () => {
      let bytes = '';
      let readerWasOutput = true;
      const exitCb = calledOnce((_p: AsyncProcess, status: number, signal: number) => expect([status, signal]).to.deep.equal([0, 0]));
      const leaks = await handleBaseline();
      await runLoop(() => {
        const [proc, input, output, errorOutput] = spawn('cat', [], {
          input: ['pipe', { data: 'hello' }],
          output: [
            'pipe',
            {
              readCb: (pipe, data) => {
                readerWasOutput &&= pipe === output;
                bytes += data.toString();
                if (bytes === 'hello--42--') closeSocket(input);
              },
            },
          ],
          exitCb,
        });
        expect(errorOutput).to.equal(null);
        expect(output).to.be.instanceOf(AsyncSocket);
        expect(processInput(proc)).to.equal(input);
        expect(processOutput(proc)).to.equal(output);
        expect(processErrorOutput(proc)).to.equal(errorOutput);
        writeSocketData(input, '--42--');
      });
      expect(bytes).to.equal('hello--42--');
      expect(readerWasOutput).to.equal(true);
      exitCb.check();
      await leaks.check();
    });

    it('spawn-redirect-error-output: stderr comes through its own pipe', async () => {
      let bytes = '';
      const exitCb = calledOnce((_p: AsyncProcess, status: number, signal: number) => expect([status, signal]).to.deep.equal([0, 0]));
      await runLoop(() => {
        const [proc, input, output, errorOutput] = spawn('bash', ['-c', 'cat 1>&2'], {
          input: ['pipe', { data: 'hello' }],
          errorOutput: [
            'pipe',
            {
              readCb: (pipe, data) => {
                expect(pipe).to.equal(errorOutput);
                bytes += data.toString();
                if (bytes === 'hello--42--') closeSocket(input);
              },
            },
          ],
          exitCb,
        });
        expect(errorOutput).to.be.instanceOf(AsyncSocket);
        expect(output).to.equal(null);
        expect([proc.input, proc.output, proc.errorOutput]).to.deep.equal([input, output, errorOutput]);
        writeSocketData(input, '--42--');
      });
      expect(bytes).to.equal('hello--42--');
      exitCb.check();
    });

    it('spawn-redirect-stream: writeSequence in, readSequence out, close the input stream', async () => {
      let bytes = '';
      const exitCb = calledOnce((_p: AsyncProcess, status: number, signal: number) => expect([status, signal]).to.deep.equal([0, 0]));
      const leaks = await handleBaseline();
      await runLoop(() => {
        const [proc, input, output, errorOutput] = spawn('cat', [], {
          input: ['stream', { data: 'hello' }],
          output: [
            'stream',
            {
              readCb: (pipe, stream) => {
                expect(pipe).to.equal(streamish(output));
                expect(stream).to.equal(output);
                const buf = new Uint8Array(128);
                for (let n = stream.readSequence(buf); n > 0; n = stream.readSequence(buf)) {
                  bytes += Buffer.from(buf.subarray(0, n)).toString();
                }
                if (bytes === 'hello--42--') input.close();
              },
            },
          ],
          exitCb,
        });
        expect(input).to.be.instanceOf(AsyncIoStream);
        expect(output).to.be.instanceOf(AsyncIoStream);
        expect(errorOutput).to.equal(null);
        expect([processInput(proc), processOutput(proc), processErrorOutput(proc)]).to.deep.equal([input, output, null]);
        input.writeSequence(Buffer.from('--42--'));
      });
      expect(bytes).to.equal('hello--42--');
      exitCb.check();
      await leaks.check();
    });

    it('spawn-exec-failure: a program that does not exist is FilesystemEnoent, out of the loop', async () => {
      const missing = path.join(freshDir(), 'blabla');
      const start = process.hrtime.bigint();
      const err = await loopError(() => {
        spawn(missing, [], { exitCb: never('exitCb') });
        delay(() => {}, { time: 1 });
      });
      expect(err).to.be.instanceOf(FilesystemEnoent);
      expect(err).to.include({ code: 'ENOENT', errcode: -os.constants.errno.ENOENT, path: missing });
      expect(secondsSince(start), 'the failure tore the loop down').to.be.below(0.9);
    });

    it('process-kill: SIGINT (2) to cat gives exitCb (process, 0, 2) once', async () => {
      let proc: AsyncProcess | undefined;
      const exitCb = calledOnce((p: AsyncProcess, status: number, signal: number) => {
        expect(p).to.equal(proc);
        expect([status, signal]).to.deep.equal([0, SIGINT]);
      });
      const leaks = await handleBaseline();
      await runLoop(() => {
        [proc] = spawn('cat', [], { exitCb, input: ['pipe'] });
        expect(processKill(proc, SIGINT)).to.equal(true);
      });
      exitCb.check();
      await leaks.check();
    });

    it('process-env: env replaces the environment, workingDirectory sets $PWD', async () => {
      const dir = freshDir();
      let bytes = '';
      await runLoop(() => {
        spawn('bash', ['-c', 'echo -n $ENV $PWD'], {
          output: ['pipe', { readCb: (_pipe, data) => (bytes += data.toString()) }],
          env: [['ENV', '$HOME/.shinit']],
          workingDirectory: dir,
        });
      });
      // bash reports the physical directory (macOS puts temp dirs under /private).
      expect(bytes).to.equal(`$HOME/.shinit ${fs.realpathSync(dir)}`);
    });
  });

  describe('pipes and streams', () => {
    it('1 MB through cat arrives byte-exact, before exitCb; pipes are not TCP connections', async () => {
      const sent = pattern(1024 * 1024, 7);
      const chunks: Buffer[] = [];
      let atExit = '';
      const exitCb = calledOnce((_p: AsyncProcess, status: number) => {
        expect(status).to.equal(0);
        atExit = sha256(Buffer.concat(chunks));
        expect(stats()).to.include({ incomingTcpConnections: 0, outgoingTcpConnections: 0 });
      });
      const leaks = await handleBaseline();
      await runLoop(() => {
        const [, input] = spawn('cat', [], {
          input: ['pipe'],
          output: ['pipe', { readCb: (_pipe, data) => chunks.push(data) }],
          exitCb,
        });
        writeSocketData(input, sent);
        closeSocket(input);
      });
      exitCb.check();
      expect(Buffer.concat(chunks).length).to.equal(sent.length);
      expect(atExit).to.equal(sha256(sent));
      await leaks.check();
    });

    it('streams are Node streams both ways: end() the input, iterate the output', async () => {
      const sent = pattern(256 * 1024, 3);
      const chunks: Buffer[] = [];
      const exitCb = calledOnce();
      const leaks = await handleBaseline();
      await runLoop(async () => {
        const [, input, output] = spawn('cat', [], { input: ['stream'], output: ['stream'], exitCb });
        input.end(sent);
        for await (const chunk of output) chunks.push(chunk as Buffer);
      });
      exitCb.check();
      expect(sha256(Buffer.concat(chunks))).to.equal(sha256(sent));
      await leaks.check();
    });

    it('stdout and stderr arrive on separate pipes, each with its own callbacks', async () => {
      let out = '';
      let err = '';
      let connected: unknown;
      const exitCb = calledOnce();
      await runLoop(() => {
        const [, , output] = spawn('bash', ['-c', 'echo to-out; echo to-err >&2'], {
          output: ['pipe', { readCb: (_pipe, data) => (out += data.toString()), connectCb: (pipe) => (connected = pipe) }],
          errorOutput: ['pipe', { readCb: (_pipe, data) => (err += data.toString()) }],
          exitCb,
        });
        // A child's pipe is connected as it is made.
        expect(connected).to.equal(output);
      });
      exitCb.check();
      expect({ out, err }).to.deep.equal({ out: 'to-out\n', err: 'to-err\n' });
    });

    it('a child that exits without reading its input: no hang, no crash, the input pipe closes', async () => {
      let input: AsyncSocket | null = null;
      const events: unknown[] = [];
      const exitCb = calledOnce((_p: AsyncProcess, status: number, signal: number) => expect([status, signal]).to.deep.equal([0, 0]));
      const leaks = await handleBaseline();
      await runLoop(() => {
        [, input] = spawn('true', [], { input: ['pipe', { eventCb: (ev) => events.push(ev) }], exitCb });
        writeSocketData(input, pattern(1024 * 1024));
      });
      exitCb.check();
      expect(socketClosedP(input!)).to.equal(true);
      // Whether the write fails with EPIPE before Node drops the child's stdin is a race.
      expect(events.every((ev) => ev instanceof StreamishBrokenPipe)).to.equal(true);
      await leaks.check();
    });

    it("'inherit' and 'ignore' redirect nothing: those slots are null", async () => {
      const exitCb = calledOnce((_p: AsyncProcess, status: number, signal: number) => expect([status, signal]).to.deep.equal([0, 0]));
      await runLoop(() => {
        const [proc, input, output, errorOutput] = spawn('true', [], { input: 'inherit', output: 'ignore', errorOutput: 'inherit', exitCb });
        expect([input, output, errorOutput]).to.deep.equal([null, null, null]);
        expect([proc.input, proc.output, proc.errorOutput]).to.deep.equal([null, null, null]);
      });
      exitCb.check();
    });
  });

  describe('exit and kill', () => {
    it('reports a non-zero exit status with signal 0', async () => {
      const exitCb = calledOnce((_p: AsyncProcess, status: number, signal: number) => expect([status, signal]).to.deep.equal([3, 0]));
      await runLoop(() => spawn('bash', ['-c', 'exit 3'], { exitCb }));
      exitCb.check();
    });

    it('kills by signal name; once exited, processKill is false', async () => {
      let afterExit: boolean | undefined;
      const exitCb = calledOnce((p: AsyncProcess, status: number, signal: number) => {
        expect([status, signal]).to.deep.equal([0, SIGTERM]);
        afterExit = processKill(p, 'SIGTERM');
      });
      await runLoop(() => {
        const [proc] = spawn('cat', [], { input: ['pipe'], exitCb });
        expect(proc.pid).to.be.a('number');
        expect(proc.c.pid).to.equal(proc.pid);
        expect(processKill(proc, 'SIGTERM')).to.equal(true);
      });
      exitCb.check();
      expect(afterExit).to.equal(false);
    });

    it('a signal that cannot be sent is thrown, or handed to eventCb with false returned', async () => {
      const eventCb = calledOnce((ev: unknown) => {
        expect(ev).to.be.instanceOf(EventError);
        expect(ev).to.include({ code: 'EINVAL', errcode: -os.constants.errno.EINVAL });
      });
      let thrown: unknown;
      await runLoop(() => {
        const [proc] = spawn('cat', [], { input: ['pipe'] });
        try {
          processKill(proc, 'SIGNOPE' as NodeJS.Signals);
        } catch (err) {
          thrown = err;
        }
        expect(processKill(proc, 12345, { eventCb })).to.equal(false);
        processKill(proc, 'SIGKILL');
      });
      expect(thrown).to.be.instanceOf(EventError);
      expect(thrown).to.include({ code: 'EINVAL' });
      eventCb.check();
    });

    it('the loop lives until the process exits, and the process shows in the loop status', async () => {
      let status = '';
      let exitedAt = 0;
      const start = process.hrtime.bigint();
      await runLoop(() => {
        spawn('sleep', ['0.3'], { exitCb: () => (exitedAt = secondsSince(start)) });
        status = dumpEventLoopStatus();
      });
      const finishedAt = secondsSince(start);
      expect(status).to.match(/handle: process/);
      expect(exitedAt).to.be.at.least(0.3);
      expect(finishedAt).to.be.at.least(exitedAt);
    });

    it('exitEventLoop kills the child and closes its pipes; exitCb never runs', async () => {
      let pid = 0;
      let input: AsyncSocket | null = null;
      const leaks = await handleBaseline();
      await runLoop(() => {
        let proc: AsyncProcess;
        [proc, input] = spawn('cat', [], { input: ['pipe'], output: ['pipe', { readCb: never('readCb') }], exitCb: never('exitCb') });
        pid = proc.pid!;
        delay(() => exitEventLoop(), { time: 0.05 });
      });
      expect(socketClosedP(input!)).to.equal(true);
      for (let i = 0; i < 100 && alive(pid); i++) await settle(10);
      expect(alive(pid), 'child still running').to.equal(false);
      await leaks.check();
    });

    it("an unref'd process does not keep the loop alive, and dies with it", async () => {
      let pid = 0;
      const start = process.hrtime.bigint();
      await runLoop(() => {
        const [proc] = spawn('sleep', ['5'], { exitCb: never('exitCb') });
        pid = proc.pid!;
        unref(proc);
      });
      expect(secondsSince(start)).to.be.below(1);
      for (let i = 0; i < 100 && alive(pid); i++) await settle(10);
      expect(alive(pid), 'child still running').to.equal(false);
    });
  });

  describe('finding the program', () => {
    it('looks programs up on the PATH of the given env (/bin:/usr/bin without one)', async () => {
      let bytes = '';
      await runLoop(() => {
        spawn('env', [], {
          env: { A: '1', B: 'two words' },
          output: ['pipe', { readCb: (_pipe, data) => (bytes += data.toString()) }],
        });
      });
      expect(bytes).to.equal('A=1\nB=two words\n');
    });

    it('resolves a relative program against the working directory', async () => {
      const dir = freshDir();
      fs.writeFileSync(path.join(dir, 'hello.sh'), '#!/bin/sh\necho "hello from $(basename "$PWD")"\n', { mode: 0o755 });
      let bytes = '';
      await runLoop(() => {
        spawn('./hello.sh', [], { workingDirectory: dir, output: ['pipe', { readCb: (_pipe, data) => (bytes += data.toString()) }] });
      });
      expect(bytes).to.equal(`hello from ${path.basename(dir)}\n`);
    });

    it('throws at the call, leaving nothing in the loop: missing on PATH, missing directory, not executable', async () => {
      const dir = freshDir();
      const file = path.join(dir, 'plain.txt');
      fs.writeFileSync(file, 'not a program', { mode: 0o644 });
      const missingDir = path.join(dir, 'nowhere');
      const failures: unknown[] = [];
      let status = 'unset';
      await runLoop(() => {
        const attempts: Array<() => unknown> = [
          () => spawn(`no-such-program-${process.pid}`, [], { exitCb: never('exitCb') }),
          () => spawn('true', [], { workingDirectory: missingDir }),
          () => spawn('true', [], { workingDirectory: file }),
          () => spawn(file, [], { input: ['pipe'] }),
        ];
        for (const attempt of attempts) {
          try {
            attempt();
          } catch (err) {
            failures.push(err);
          }
        }
        status = dumpEventLoopStatus();
      });
      expect(failures).to.have.length(4);
      expect(failures[0]).to.be.instanceOf(FilesystemEnoent).and.include({ path: `no-such-program-${process.pid}` });
      expect(failures[1]).to.be.instanceOf(FilesystemEnoent).and.include({ path: missingDir });
      expect(failures[2]).to.be.instanceOf(FilesystemError).and.include({ code: 'ENOTDIR', path: file });
      expect(failures[3]).to.be.instanceOf(FilesystemEacces).and.include({ path: file });
      expect(status).not.to.match(/process|pipe/);
    });

    it('a system error Node throws at once (arguments too long) is a FilesystemError at the call', async () => {
      let thrown: unknown;
      let status = 'unset';
      await runLoop(() => {
        try {
          spawn('true', ['x'.repeat(256 * 1024)], { output: ['pipe'] });
        } catch (err) {
          thrown = err;
        }
        status = dumpEventLoopStatus();
      });
      expect(thrown).to.be.instanceOf(FilesystemError).and.include({ code: 'E2BIG', errcode: -os.constants.errno.E2BIG, path: 'true' });
      expect(status).not.to.match(/process|pipe/);
    });

    it('misuse is a TypeError at the call: an unknown stdio mode, an empty program name', async () => {
      const thrown: unknown[] = [];
      await runLoop(() => {
        for (const attempt of [
          () => spawn('cat', [], { input: ['socket' as 'pipe'] }),
          () => spawn('', [], { output: ['pipe'] }),
        ]) {
          try {
            attempt();
          } catch (err) {
            thrown.push(err);
          }
        }
        expect(dumpEventLoopStatus()).not.to.match(/process|pipe/);
      });
      expect(thrown).to.have.length(2);
      expect(thrown[0]).to.be.instanceOf(TypeError).with.property('message').that.matches(/socket/);
      expect(thrown[1]).to.be.instanceOf(TypeError).and.include({ code: 'ERR_INVALID_ARG_VALUE' });
    });

    it('an exec failure only the child can see (a missing #! interpreter) reaches eventCb once', async () => {
      const script = path.join(freshDir(), 'orphan.sh');
      fs.writeFileSync(script, '#!/nonexistent/interpreter\n', { mode: 0o755 });
      let pipes: Array<AsyncSocket | null> = [];
      const eventCb = calledOnce((ev: unknown) => {
        expect(ev).to.be.instanceOf(FilesystemEnoent).and.include({ path: script });
        expect(pipes.map((p) => socketClosedP(p!))).to.deep.equal([true, true]);
      });
      const leaks = await handleBaseline();
      await runLoop(() => {
        const [proc, input, output] = spawn(script, [], {
          input: ['pipe'],
          output: ['pipe', { readCb: never('readCb'), eventCb: never('pipe eventCb') }],
          exitCb: never('exitCb'),
          eventCb,
        });
        pipes = [input, output];
        expect(proc.pid).to.equal(undefined);
        expect(processKill(proc, 'SIGTERM')).to.equal(false);
        writeSocketData(input, 'nobody reads this');
      });
      eventCb.check();
      await leaks.check();
    });

    it('without an eventCb, that late failure escapes the loop', async () => {
      const script = path.join(freshDir(), 'orphan.sh');
      fs.writeFileSync(script, '#!/nonexistent/interpreter\n', { mode: 0o755 });
      const err = await loopError(() => spawn(script, [], { exitCb: never('exitCb') }));
      expect(err).to.be.instanceOf(FilesystemEnoent).and.include({ code: 'ENOENT', path: script });
    });
  });
});
