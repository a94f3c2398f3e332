import { expect } from 'chai';
import net from 'node:net';
import {
  EventError,
  SocketClosed,
  SocketEof,
  StreamishClosed,
  TcpEof,
} from '../src/errors';
import { delay } from '../src/event';
import { currentLoop, EventLoop, exitEventLoop, ref, stats, unref } from '../src/event-loop';
import {
  AsyncSocket,
  checkSocketOpen,
  closeSocket,
  closeSocketServer,
  disableSocket,
  enableSocket,
  setSocketTimeouts,
  socketClosedP,
  socketData,
  socketServerClosedP,
  writeSocketData,
} from '../src/socket';
import { closeTcpServer, connectTcpSocket, initTcpSocket, tcpConnect, tcpSend, tcpServer, TcpServer } from '../src/tcp';
import { never, runLoop, secondsSince } from './support/loop';
import { activeResources, resourceBaseline } from './support/sockets';

describe('socket', () => {
    it('calls run inside the loop that made the server, for accepted sockets too', async () => {
      const seen: Array<[EventLoop, EventLoop]> = [];
      const run = () =>
        runLoop(() => {
          const mine = currentLoop();
          const server = tcpServer(
            '127.0.0.1',
            0,
            (sock) => {
              seen.push([mine, currentLoop()]);
              closeSocket(sock);
              closeTcpServer(server);
            },
            { connectCb: () => seen.push([mine, currentLoop()]) },
          );
          tcpConnect('127.0.0.1', server.port, () => {}, { data: 'x' });
        });
      await Promise.all([run(), run()]);
      expect(seen).to.have.length(4);
      for (const [mine, current] of seen) expect(current).to.equal(mine);
    });

    it('writes made in one callback leave together when it returns: the peer reads them as one chunk', async () => {
      const chunks: string[] = [];
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, (sock) => {
          for (const part of ['a', 'b', 'c']) writeSocketData(sock, part);
          closeSocket(sock);
          closeTcpServer(server);
        });
        const client = net.connect(server.port, '127.0.0.1', () => client.write('go'));
        client.on('data', (d: Buffer) => chunks.push(d.toString()));
      });
      expect(chunks).to.deep.equal(['abc']);
    });

    it('a write made outside any callback (after an await) leaves on the next tick', async () => {
      let echoed = '';
      await runLoop(async () => {
        const server = tcpServer('127.0.0.1', 0, (sock, data) => writeSocketData(sock, data));
        let sock!: AsyncSocket;
        const connected = new Promise<void>((resolve) => {
          sock = tcpConnect('127.0.0.1', server.port, (s, data) => {
            echoed += data.toString();
            closeSocket(s);
            closeTcpServer(server);
          }, { connectCb: () => resolve() }) as AsyncSocket;
        });
        await connected;
        writeSocketData(sock, 'after await');
      });
      expect(echoed).to.equal('after await');
    });

    it('callbacks get exactly the arguments of their call: an eventCb sees one, a delay none', async () => {
      const arities: number[] = [];
      await runLoop(() => {
        delay((...args: unknown[]) => arities.push(args.length));
        const server = tcpServer('127.0.0.1', 0, (sock) => {
          closeSocket(sock);
          closeTcpServer(server);
        });
        tcpConnect('127.0.0.1', server.port, null, { data: 'x', eventCb: (...args: unknown[]) => arities.push(args.length) });
      });
      expect(arities).to.deep.equal([0, 1]);
    });

    it('stats counts incoming and outgoing connections until they close', async () => {
      let during: ReturnType<typeof stats> | undefined;
      let after: ReturnType<typeof stats> | undefined;
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, (sock) => {
          during = stats();
          closeSocket(sock);
        });
        tcpConnect('127.0.0.1', server.port, null, {
          data: 'x',
          eventCb: (ev) => {
            expect(ev).to.be.instanceOf(SocketEof);
            closeTcpServer(server);
            after = stats();
          },
        });
      });
      expect(during).to.include({ incomingTcpConnections: 1, outgoingTcpConnections: 1 });
      expect(after).to.include({ incomingTcpConnections: 0, outgoingTcpConnections: 0 });
    });

    it('the peer closing is SocketEof (also TcpEof) with the socket, after the socket is closed', async () => {
      let event: unknown;
      let closedWhenDelivered: boolean | undefined;
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, (sock) => closeSocket(sock));
        const sock = tcpConnect('127.0.0.1', server.port, null, {
          data: 'x',
          eventCb: (ev) => {
            event = ev;
            closedWhenDelivered = socketClosedP(sock);
            closeTcpServer(server);
          },
        });
      });
      expect(event).to.be.instanceOf(SocketEof).and.instanceOf(TcpEof).and.instanceOf(EventError);
      expect((event as SocketEof).socket).to.be.instanceOf(AsyncSocket);
      expect((event as SocketEof).streamish).to.equal((event as SocketEof).socket);
      expect(closedWhenDelivered).to.equal(true);
    });

    it('writing to a closed socket throws SocketClosed at once; closing twice is fine', async () => {
      let thrown: unknown;
      let timeoutThrown: unknown;
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, null);
        const sock = tcpConnect('127.0.0.1', server.port, null, { eventCb: never('eventCb') });
        closeSocket(sock, { force: true });
        closeSocket(sock);
        try {
          writeSocketData(sock, 'late');
        } catch (err) {
          thrown = err;
        }
        try {
          setSocketTimeouts(sock, 1, 1);
        } catch (err) {
          timeoutThrown = err;
        }
        closeTcpServer(server);
      });
      expect(thrown).to.be.instanceOf(SocketClosed).and.instanceOf(StreamishClosed);
      expect((thrown as SocketClosed).socket).to.be.instanceOf(AsyncSocket);
      expect(timeoutThrown).to.be.instanceOf(StreamishClosed);
    });

    it('writeCb fires once the data reached the kernel; closing there is "send then close"', async () => {
      let clientData = '';
      let writeCbs = 0;
      let event: unknown;
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, null, {
          connectCb: (sock: AsyncSocket) => {
            writeSocketData(sock, 'bye', {
              writeCb: (s: AsyncSocket) => {
                writeCbs++;
                closeSocket(s);
                closeTcpServer(server);
              },
            });
          },
        });
        tcpConnect('127.0.0.1', server.port, (_s, data) => (clientData += data.toString()), { eventCb: (ev) => (event = ev) });
      });
      expect(clientData).to.equal('bye');
      expect(writeCbs).to.equal(1);
      expect(event).to.be.instanceOf(SocketEof);
    });

    it('writeSocketData with callbacks swaps them and writes on the next turn', async () => {
      const order: string[] = [];
      let got = '';
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, (sock, data) => {
          got += data.toString();
          if (got === 'ab') {
            closeSocket(sock);
            closeTcpServer(server);
          }
        });
        const sock = tcpConnect('127.0.0.1', server.port, null);
        writeSocketData(sock, 'a', { writeCb: () => order.push('writeCb') });
        order.push('returned');
        delay(() => writeSocketData(sock, 'b'), { time: 0.05 });
      });
      expect(got).to.equal('ab');
      expect(order[0]).to.equal('returned');
      expect(order).to.include('writeCb');
    });

    it('disableSocket pauses reading and enableSocket resumes it', async () => {
      const times: number[] = [];
      const start = process.hrtime.bigint();
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, (sock) => {
          times.push(secondsSince(start));
          closeSocket(sock);
          closeTcpServer(server);
        }, {
          connectCb: (sock: AsyncSocket) => {
            disableSocket(sock);
            delay(() => enableSocket(sock), { time: 0.2 });
          },
        });
        tcpConnect('127.0.0.1', server.port, null, { data: 'x' });
      });
      expect(times).to.have.length(1);
      expect(times[0]).to.be.at.least(0.19);
    });

    it('socketData gets and sets the application slot', async () => {
      let value: unknown;
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, null);
        const sock = tcpConnect('127.0.0.1', server.port, null, { eventCb: () => {} });
        socketData(sock, { id: 7 });
        value = socketData(sock);
        expect(sock.data).to.equal(value);
        closeSocket(sock, { force: true });
        closeSocketServer(server);
      });
      expect(value).to.deep.equal({ id: 7 });
    });

    it('has a Node-style face: data, end and close events, bufferedAmount and drain', async () => {
      const events: string[] = [];
      let maxBuffered = 0;
      let drained = false;
      const big = Buffer.alloc(8 * 1024 * 1024, 1);
      await runLoop(() => {
        let received = 0;
        const server = tcpServer('127.0.0.1', 0, (sock, data) => {
          received += data.length;
          if (received === big.length) {
            closeSocket(sock);
            closeTcpServer(server);
          }
        });
        const sock = tcpConnect('127.0.0.1', server.port, null, { eventCb: () => {} });
        sock.on('data', () => events.push('data'));
        sock.on('end', () => events.push('end'));
        sock.on('close', () => events.push('close'));
        sock.on('drain', () => (drained = true));
        sock.on('connect', () => {
          const ok = sock.write(big);
          maxBuffered = sock.bufferedAmount;
          expect(ok).to.equal(false);
        });
      });
      expect(maxBuffered).to.be.above(0);
      expect(drained).to.equal(true);
      expect(events).to.deep.equal(['end', 'close']);
    });

    it('exitEventLoop closes sockets and servers at once, leaving no Node handle', async () => {
      const leaks = await resourceBaseline();
      const start = process.hrtime.bigint();
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, null, { connectCb: () => exitEventLoop() });
        tcpConnect('127.0.0.1', server.port, never('readCb'), { eventCb: never('eventCb') });
        tcpConnect('127.0.0.1', server.port, never('readCb'), { eventCb: never('eventCb'), readTimeout: 5 });
      });
      expect(secondsSince(start)).to.be.below(2);
      await leaks.check();
    });

    it('tcpSend (2012) and initTcpSocket + connectTcpSocket', async () => {
      const got: string[] = [];
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, (sock, data) => {
          got.push(data.toString());
          closeSocket(sock);
          if (got.length === 2) closeTcpServer(server);
        }, null);
        tcpSend('127.0.0.1', server.port, 'sent', null, () => {});
        const sock = initTcpSocket(null, () => {}, { data: 'init' });
        expect(connectTcpSocket(sock, '127.0.0.1', server.port)).to.equal(sock);
      });
      expect(got.sort()).to.deep.equal(['init', 'sent']);
    });

    it('checkSocketOpen passes on an open socket or its stream, and throws SocketClosed once the app or the peer closed it', async () => {
      const thrown: unknown[] = [];
      const check = (target: Parameters<typeof checkSocketOpen>[0]): void => {
        try {
          checkSocketOpen(target);
        } catch (err) {
          thrown.push(err);
        }
      };
      let closedByApp: AsyncSocket | undefined;
      let closedByPeer: AsyncSocket | undefined;
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, null, { connectCb: (sock: AsyncSocket) => closeSocket(sock) });
        const stream = tcpConnect('127.0.0.1', server.port, null, { stream: true, eventCb: () => {} });
        check(stream);
        check(stream.socket);
        closedByApp = stream.socket;
        closeSocket(stream);
        check(stream);
        // The peer closing (SocketEof) closes the socket before eventCb hears of it.
        closedByPeer = tcpConnect('127.0.0.1', server.port, null, {
          eventCb: (ev) => {
            expect(ev).to.be.instanceOf(SocketEof);
            check(closedByPeer!);
            closeTcpServer(server);
          },
        });
        check(closedByPeer);
      });
      expect(thrown).to.have.length(2);
      thrown.forEach((err) => expect(err).to.be.instanceOf(SocketClosed).and.include({ errmsg: 'Trying to operate on a closed socket' }));
      expect((thrown[0] as SocketClosed).socket).to.equal(closedByApp);
      expect((thrown[1] as SocketClosed).socket).to.equal(closedByPeer);
    });

    it('remoteAddress and remotePort: undefined before connecting, the peer once connected, still known in eventCb after close', async () => {
      const seen: Record<string, [string | undefined, number | undefined]> = {};
      const note = (name: string, sock: AsyncSocket): void => {
        seen[name] = [sock.remoteAddress, sock.remotePort];
      };
      let clientPort = 0;
      let serverPort = 0;
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, null, {
          connectCb: (sock: AsyncSocket) => {
            note('accepted', sock);
            closeSocket(sock);
          },
        });
        serverPort = server.port;
        const sock = tcpConnect('127.0.0.1', server.port, null, {
          connectCb: (s: AsyncSocket) => (clientPort = s.c!.localPort!),
          eventCb: () => {
            // Closed by now (SocketEof), and never asked while open: a handler logging
            // which peer went away must still get it.
            note('closed', sock);
            closeTcpServer(server);
          },
        });
        note('connecting', sock);
      });
      expect(seen).to.deep.equal({
        connecting: [undefined, undefined],
        accepted: ['127.0.0.1', clientPort],
        closed: ['127.0.0.1', serverPort],
      });
    });

    it('an unref’d server keeps neither the loop nor the process alive (the loop closes it at exit); ref undoes that', async () => {
      const listening = (): number => activeResources('TCPServerWrap');
      const counts: number[] = [];
      let server: TcpServer | undefined;
      const start = process.hrtime.bigint();
      await runLoop(() => {
        server = tcpServer('127.0.0.1', 0, null);
        counts.push(listening());
        unref(server);
        counts.push(listening());
        ref(server);
        counts.push(listening());
        unref(server);
      });
      expect(secondsSince(start)).to.be.below(1);
      expect(counts[1], 'Node handle unref’d').to.equal(counts[0] - 1);
      expect(counts[2], 'Node handle ref’d again').to.equal(counts[0]);
      expect(socketServerClosedP(server!)).to.equal(true);
    });

    it('a ref’d-again server keeps the loop alive until it is closed', async () => {
      const start = process.hrtime.bigint();
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, null);
        unref(server);
        ref(server);
        // A Node timer, not a cl-async one: only the server holds the loop open.
        setTimeout(() => closeSocketServer(server), 200);
      });
      expect(secondsSince(start)).to.be.at.least(0.19);
    });
  });
