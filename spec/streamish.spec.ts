import { spawn } from 'node:child_process';
import type { Socket as NodeSocket } from 'node:net';
import { expect } from 'chai';
import { EventError, SocketEof, SocketError, StreamishBrokenPipe, StreamishClosed, StreamishEof, StreamishError } from '../src/errors';
import { currentLoop } from '../src/event-loop';
import { AsyncSocket } from '../src/socket';
import {
  checkStreamishOpen,
  closeStreamish,
  Streamish,
  streamish,
  streamishClosedP,
  streamishWrite,
} from '../src/streamish';
import { closeTcpServer, tcpConnect, tcpServer } from '../src/tcp';
import { calledOnce, runLoop } from './support/loop';
import { Child } from './support/sockets';

describe('streamish', () => {
  it('streamish() finds the streamish of a stream or condition, and passes other things through', async () => {
    await runLoop(() => {
      const server = tcpServer('127.0.0.1', 0, null);
      const stream = tcpConnect('127.0.0.1', server.port, null, { stream: true });
      const sock = stream.socket;
      expect(streamish(stream)).to.equal(sock);
      expect(streamish(sock)).to.equal(sock);
      expect(streamish(new SocketEof({ socket: sock }))).to.equal(sock);
      expect(streamish(42)).to.equal(42);
      closeStreamish(sock, { force: true });
      closeTcpServer(server);
    });
  });

  it('streamishWrite / closeStreamish / checkStreamishOpen / streamishClosedP', async () => {
    let got = '';
    let thrown: unknown;
    await runLoop(() => {
      const server = tcpServer('127.0.0.1', 0, (sock, data) => {
        got += data.toString();
        closeTcpServer(server);
      });
      const sock: AsyncSocket = tcpConnect('127.0.0.1', server.port, null, { eventCb: () => {} });
      streamishWrite(sock, 'xxhello', { start: 2 });
      checkStreamishOpen(sock);
      closeStreamish(sock);
      expect(streamishClosedP(sock)).to.equal(true);
      try {
        checkStreamishOpen(sock);
      } catch (err) {
        thrown = err;
      }
    });
    expect(got).to.equal('hello');
    expect(thrown).to.be.instanceOf(StreamishClosed);
  });

  it('wraps any Node stream socket (a child stdout): reads, then an informational StreamishEof', async () => {
    let out = '';
    const eventCb = calledOnce((ev: unknown) => {
      expect(ev).to.be.instanceOf(StreamishEof);
      expect(ev).to.not.be.instanceOf(EventError);
    });
    await runLoop(() => {
      const child = spawn(process.execPath, ['-e', 'process.stdout.write("from child")'], { stdio: ['ignore', 'pipe', 'ignore'] });
      const s = new Streamish(currentLoop(), 'pipe', { readCb: ((_s: Streamish, data: Buffer) => (out += data.toString())) as never, eventCb });
      s._attach(child.stdout as NodeSocket, null);
      expect(s.connected).to.equal(true);
    });
    eventCb.check();
    expect(out).to.equal('from child');
  });

  it('writableLength (Node’s name for bufferedAmount) counts bytes not yet handed to the kernel: queued before connect, none once written', async () => {
    const lengths: number[] = [];
    await runLoop(() => {
      const server = tcpServer('127.0.0.1', 0, (sock) => {
        closeStreamish(sock);
        closeTcpServer(server);
      });
      const sock: AsyncSocket = tcpConnect('127.0.0.1', server.port, null, {
        eventCb: () => {},
        writeCb: (s: AsyncSocket) => lengths.push(s.writableLength),
      });
      streamishWrite(sock, 'hello');
      streamishWrite(sock, Buffer.from('world'));
      expect(sock.writableLength).to.equal(sock.bufferedAmount);
      lengths.push(sock.writableLength);
    });
    expect(lengths).to.deep.equal([10, 0]);
  });

  describe('over a Node stream socket that is no network socket (a child’s pipe)', () => {
    /** A child that closes its stdin, says so, and waits to be killed. */
    const stdinCloser = (): Child =>
      new Child(process.execPath, ['-e', 'require("fs").closeSync(0); console.log("stdin closed"); setInterval(() => {}, 1000)']);

    it('a Node error is a streamish condition (a broken pipe: StreamishBrokenPipe), to eventCb once, after it closed', async () => {
      const child = stdinCloser();
      let s: Streamish | undefined;
      let event: unknown;
      let closedWhenDelivered: boolean | undefined;
      const eventCb = calledOnce((ev: unknown) => {
        event = ev;
        closedWhenDelivered = streamishClosedP(s!);
      });
      try {
        await runLoop(async () => {
          s = new Streamish(currentLoop(), 'pipe', { eventCb });
          s._attach(child.proc.stdin as NodeSocket, null);
          await child.line();
          streamishWrite(s, 'into a pipe nobody reads');
        });
      } finally {
        await child.stop();
      }
      eventCb.check();
      expect(event).to.be.instanceOf(StreamishBrokenPipe).and.include({ code: 'EPIPE' });
      expect(event).to.not.be.instanceOf(SocketError);
      expect((event as StreamishBrokenPipe).streamish).to.equal(s);
      expect(closedWhenDelivered).to.equal(true);
    });

    it('a Node error with no condition of its own is a plain StreamishError (a socket would say SocketError)', async () => {
      const child = new Child(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
      let event: unknown;
      try {
        await runLoop(() => {
          const s = new Streamish(currentLoop(), 'pipe', { eventCb: (ev) => (event = ev) });
          const stdout = child.proc.stdout as NodeSocket;
          s._attach(stdout, null);
          // What Node does when a read fails with an errno cl-async has no condition for.
          stdout.destroy(Object.assign(new Error('read EIO'), { code: 'EIO', errno: -5, syscall: 'read' }));
        });
      } finally {
        await child.stop();
      }
      expect(event).to.be.instanceOf(StreamishError).and.include({ code: 'EIO', errcode: -5 });
      expect(event).to.not.be.instanceOf(SocketError);
    });

    it('operating on it once closed throws StreamishClosed about the streamish', async () => {
      const child = new Child(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
      const thrown: unknown[] = [];
      let s: Streamish | undefined;
      try {
        await runLoop(() => {
          s = new Streamish(currentLoop(), 'pipe');
          s._attach(child.proc.stdin as NodeSocket, null);
          closeStreamish(s);
          for (const op of [() => streamishWrite(s!, 'late'), () => checkStreamishOpen(s!), () => s!.setTimeouts(1, 1)]) {
            try {
              op();
            } catch (err) {
              thrown.push(err);
            }
          }
        });
      } finally {
        await child.stop();
      }
      expect(thrown).to.have.length(3);
      for (const err of thrown) {
        expect(err).to.be.instanceOf(StreamishClosed).and.include({ errmsg: 'Trying to operate on a closed streamish' });
        expect((err as StreamishClosed).streamish).to.equal(s);
      }
    });
  });
});
