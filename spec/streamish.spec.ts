import { spawn } from 'node:child_process';
import type { Socket as NodeSocket } from 'node:net';
import { expect } from 'chai';
import { EventError, SocketEof, StreamishClosed, StreamishEof } from '../src/errors';
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
});
