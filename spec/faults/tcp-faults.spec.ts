/**
 * Peers that misbehave: each fault gives its documented condition exactly once, closes the
 * socket, and leaves no Node handle behind once the loop finished.
 */
import net from 'node:net';
import { expect } from 'chai';
import { SocketClosed, SocketEof, SocketRefused, SocketReset, SocketTimeout, TcpTimeout } from '../../src/errors';
import { delay, interval } from '../../src/event';
import { AsyncSocket, closeSocket, socketClosedP, writeSocketData } from '../../src/socket';
import { closeTcpServer, tcpConnect, tcpServer } from '../../src/tcp';
import { calledOnce, loopError, never, runLoop, secondsSince } from '../support/loop';
import { resourceBaseline, settle } from '../support/sockets';

/** A raw Node server (a peer nobody here wrote) on 127.0.0.1; `onConnection` plays the fault. */
async function rawServer(onConnection: (c: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => {});
    onConnection(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const c of sockets) c.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('tcp faults', () => {
  it('peer reset mid-stream: the data before it, then SocketReset once', async () => {
    const peer = await rawServer((c) => {
      c.write(Buffer.alloc(1000, 7));
      setTimeout(() => c.resetAndDestroy(), 50);
    });
    const leaks = await resourceBaseline();
    try {
      let received = 0;
      const eventCb = calledOnce((ev: unknown) => {
        expect(ev).to.be.instanceOf(SocketReset).and.include({ code: 'ECONNRESET' });
        expect(socketClosedP((ev as SocketReset).socket as AsyncSocket)).to.equal(true);
      });
      await runLoop(() => {
        tcpConnect('127.0.0.1', peer.port, (_s, data) => (received += data.length), { eventCb });
      });
      eventCb.check();
      expect(received).to.equal(1000);
      await leaks.check();
    } finally {
      await peer.close();
    }
  });

  it('peer half-close: SocketEof once, and what we wrote before still leaves', async () => {
    let peerGot = '';
    const peer = await rawServer((c) => {
      c.on('data', (d) => (peerGot += d.toString()));
      c.end('last words');
    });
    try {
      let received = '';
      const eventCb = calledOnce((ev: unknown) => expect(ev).to.be.instanceOf(SocketEof));
      await runLoop(() => {
        tcpConnect(
          '127.0.0.1',
          peer.port,
          (sock, data) => {
            received += data.toString();
            // Written in the same callback that precedes EOF: must not be lost.
            writeSocketData(sock, 'reply');
          },
          { eventCb },
        );
      });
      await settle(50);
      eventCb.check();
      expect(received).to.equal('last words');
      expect(peerGot).to.equal('reply');
    } finally {
      await peer.close();
    }
  });

  it('connect to a closed port: SocketRefused once', async () => {
    const peer = await rawServer(() => {});
    const port = peer.port;
    await peer.close();
    const leaks = await resourceBaseline();
    const eventCb = calledOnce((ev: unknown) => expect(ev).to.be.instanceOf(SocketRefused));
    await runLoop(() => {
      tcpConnect('127.0.0.1', port, never('readCb'), { eventCb, data: 'lost' });
    });
    eventCb.check();
    await leaks.check();
  });

  it('read timeout (fractional seconds): SocketTimeout once, after about that long without a read', async () => {
    const peer = await rawServer((c) => {
      // Two early chunks restart the timer; then silence.
      c.write('a');
      setTimeout(() => c.write('b'), 100);
    });
    const leaks = await resourceBaseline();
    try {
      let elapsed = 0;
      const start = process.hrtime.bigint();
      const eventCb = calledOnce((ev: unknown) => {
        elapsed = secondsSince(start);
        expect(ev).to.be.instanceOf(SocketTimeout).and.instanceOf(TcpTimeout).and.include({ code: 'ETIMEDOUT' });
      });
      await runLoop(() => {
        tcpConnect('127.0.0.1', peer.port, () => {}, { eventCb, readTimeout: 0.25 });
      });
      eventCb.check();
      expect(elapsed).to.be.within(0.33, 1);
      await leaks.check();
    } finally {
      await peer.close();
    }
  });

  it('write timeout fires when the peer stops reading, and not while writes complete', async () => {
    const stalled = await rawServer((c) => c.pause());
    const reading = await rawServer((c) => c.resume());
    try {
      const eventCb = calledOnce((ev: unknown) => expect(ev).to.be.instanceOf(SocketTimeout));
      let quietEvents = 0;
      await runLoop(() => {
        // A peer that reads: small writes over 0.5 s with a 0.15 s write timeout never time out
        // (cl-async's timer, never reset, would have fired).
        const busy = tcpConnect('127.0.0.1', reading.port, null, { eventCb: () => quietEvents++, writeTimeout: 0.15 });
        const stop = interval(() => writeSocketData(busy, 'tick'), { time: 0.05 });
        delay(
          () => {
            stop();
            closeSocket(busy);
          },
          { time: 0.5 },
        );
        // A peer that never reads: the kernel buffers fill, the writes stop completing.
        const sock = tcpConnect('127.0.0.1', stalled.port, null, { eventCb, writeTimeout: 0.3 });
        writeSocketData(sock, Buffer.alloc(64 * 1024 * 1024));
      });
      eventCb.check();
      expect(quietEvents).to.equal(0);
    } finally {
      await stalled.close();
      await reading.close();
    }
  });

  it('writing to a socket closed by an event throws SocketClosed synchronously', async () => {
    const peer = await rawServer((c) => c.end());
    try {
      let thrown: unknown;
      await runLoop(() => {
        const sock = tcpConnect('127.0.0.1', peer.port, null, {
          eventCb: () => {
            try {
              writeSocketData(sock, 'too late');
            } catch (err) {
              thrown = err;
            }
          },
        });
      });
      expect(thrown).to.be.instanceOf(SocketClosed);
    } finally {
      await peer.close();
    }
  });

  it('an eventCb that rethrows is called once and its condition escapes the loop', async () => {
    const peer = await rawServer((c) => c.resetAndDestroy());
    try {
      const eventCb = calledOnce((ev: unknown) => {
        throw ev;
      });
      const err = await loopError(() => {
        tcpConnect('127.0.0.1', peer.port, null, { eventCb });
      });
      eventCb.check();
      expect(err).to.be.instanceOf(SocketReset);
    } finally {
      await peer.close();
    }
  });

  it('server closed with clients still connected: they keep talking, then the loop ends', async () => {
    const leaks = await resourceBaseline();
    const replies: string[] = [];
    await runLoop(() => {
      let accepted = 0;
      const clients: AsyncSocket[] = [];
      const server = tcpServer('127.0.0.1', 0, (sock, data) => writeSocketData(sock, data), {
        // Close once all three are accepted (closing a listener resets its unaccepted backlog).
        connectCb: () => {
          if (++accepted < 3) return;
          closeTcpServer(server);
          clients.forEach((sock, i) => delay(() => writeSocketData(sock, `after close ${i}`), { time: 0.05 }));
        },
      });
      for (let i = 0; i < 3; i++) {
        clients.push(
          tcpConnect(
            '127.0.0.1',
            server.port,
            (s, data) => {
              replies.push(data.toString());
              closeSocket(s);
            },
            { eventCb: never('client eventCb') },
          ),
        );
      }
    });
    expect(replies.sort()).to.deep.equal(['after close 0', 'after close 1', 'after close 2']);
    await leaks.check();
  });

  it('1,000 clients connecting at once to one server: every one served, no event, no leak', async () => {
    const leaks = await resourceBaseline();
    const n = 1000;
    let served = 0;
    let answered = 0;
    let serverEvents = 0;
    await runLoop(() => {
      const server = tcpServer(
        '127.0.0.1',
        0,
        (sock, data) => {
          served++;
          writeSocketData(sock, data);
        },
        {
          backlog: 2048,
          eventCb: (ev) => {
            expect(ev).to.be.instanceOf(SocketEof);
            serverEvents++;
          },
        },
      );
      for (let i = 0; i < n; i++) {
        tcpConnect(
          '127.0.0.1',
          server.port,
          (sock, data) => {
            expect(data.toString()).to.equal(`client ${i}`);
            closeSocket(sock);
            if (++answered === n) closeTcpServer(server);
          },
          { data: `client ${i}`, eventCb: never('client eventCb') },
        );
      }
    });
    expect(served).to.equal(n);
    expect(answered).to.equal(n);
    expect(serverEvents).to.equal(n);
    await leaks.check();
  });
});
