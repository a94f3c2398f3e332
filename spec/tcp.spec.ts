import { expect } from 'chai';
import { AsyncIoStream } from '../src/async-stream';
import { setDnsServers } from '../src/dns';
import {
  DnsError,
  EventError,
  SocketAddressInUse,
  SocketRefused,
  TcpRefused,
  TcpServerBindError,
} from '../src/errors';
import { delay, withDelay } from '../src/event';
import { exitEventLoop, stats } from '../src/event-loop';
import {
  AsyncSocket,
  closeSocket,
  socketClosedP,
  writeSocketData,
} from '../src/socket';
import { closeTcpServer, tcpConnect, tcpServer, TcpServer, tcpServerClosed } from '../src/tcp';
import { calledOnce, loopError, never, runLoop, secondsSince } from './support/loop';
import { SIMPLE_CLIENT_SERVER, simpleClientServer } from './support/client-server';
import { DnsServer, startDnsServer } from './support/dns-server';
import { freePort, resourceBaseline } from './support/sockets';

describe('tcp', () => {
  describe('cl-async TCP suite', () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      it(`tcp-simple-client-server (${host}): data queued before connect arrives first, in one read`, async () => {
        const leaks = await resourceBaseline();
        const seen = await simpleClientServer<TcpServer>({
          listen: (readCb, connectCb) => tcpServer('127.0.0.1', 0, readCb, { connectCb }),
          connect: (server, readCb, options) => tcpConnect(host, server.port, readCb, options),
          close: closeTcpServer,
        });
        expect(seen).to.deep.equal(SIMPLE_CLIENT_SERVER);
        await leaks.check();
      });
    }

    it('tcp-connect-fail: a closed port is SocketRefused, to eventCb exactly once, and escapes when rethrown', async () => {
      const port = await freePort();
      const eventCb = calledOnce((ev: unknown) => {
        throw ev;
      });
      const err = await loopError(() => {
        tcpConnect('127.0.0.1', port, never('readCb'), { eventCb, data: 'hai', readTimeout: 1 });
      });
      eventCb.check();
      expect(err).to.be.instanceOf(SocketRefused).and.instanceOf(TcpRefused).and.instanceOf(EventError);
      expect(err).to.include({ code: 'ECONNREFUSED' });
      expect((err as SocketRefused).errcode).to.be.below(0);
      expect((err as SocketRefused).socket).to.be.instanceOf(AsyncSocket);
    });

    it('tcp-server-close: closing the server leaves connections open, and the loop waits for them', async () => {
      let serverClosed: boolean | undefined;
      let socketClosed: boolean | undefined;
      const start = process.hrtime.bigint();
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, null, null);
        delay(() => closeTcpServer(server), { time: 0.1 });
        tcpConnect('127.0.0.1', server.port, null, {
          connectCb: (sock: AsyncSocket) => {
            delay(
              () => {
                serverClosed = server.closed;
                closeSocket(sock);
                delay(() => (socketClosed = socketClosedP(sock)));
              },
              { time: 0.3 },
            );
          },
        });
      });
      const elapsed = secondsSince(start);
      expect(serverClosed).to.equal(true);
      expect(socketClosed).to.equal(true);
      expect(elapsed).to.be.within(0.28, 3);
    });

    it('tcpServerClosed (2012) is false while listening, true once closeTcpServer or the loop’s exit closed it', async () => {
      const seen: boolean[] = [];
      let left: TcpServer | undefined;
      await runLoop(() => {
        const closedByApp = tcpServer('127.0.0.1', 0, null);
        left = tcpServer('127.0.0.1', 0, null);
        seen.push(tcpServerClosed(closedByApp), tcpServerClosed(left));
        closeTcpServer(closedByApp);
        seen.push(tcpServerClosed(closedByApp), tcpServerClosed(left));
        delay(() => exitEventLoop());
      });
      expect(seen).to.deep.equal([false, false, true, false]);
      expect(tcpServerClosed(left!)).to.equal(true);
    });

    it('tcp-server-stream: a stream server reads with readSequence until nothing is left', async () => {
      let serverData = '';
      await runLoop(() => {
        const server = tcpServer(
          '127.0.0.1',
          0,
          (sock: AsyncSocket, stream: AsyncIoStream) => {
            const buf = Buffer.alloc(1024);
            for (let n = stream.readSequence(buf); n > 0; n = stream.readSequence(buf)) {
              serverData += buf.toString('utf8', 0, n);
            }
            closeSocket(sock);
            closeTcpServer(server);
          },
          { stream: true },
        );
        tcpConnect('127.0.0.1', server.port, null, { data: 'HELLO!' });
      });
      expect(serverData).to.equal('HELLO!');
    });

    it('test-address-in-use: a second server on a bound port throws SocketAddressInUse at the call', async () => {
      let thrown: unknown;
      let firstPort = 0;
      await runLoop(() => {
        const first = tcpServer('127.0.0.1', 0, null, {
          eventCb: (ev) => {
            throw ev;
          },
        });
        firstPort = first.port;
        try {
          tcpServer('127.0.0.1', first.port, null, { eventCb: never('eventCb') });
        } catch (err) {
          thrown = err;
        }
        closeTcpServer(first);
      });
      expect(firstPort).to.be.above(0);
      expect(thrown).to.be.instanceOf(SocketAddressInUse).and.instanceOf(TcpServerBindError);
      expect(thrown).to.include({ code: 'EADDRINUSE', addr: '127.0.0.1', port: firstPort });
      expect((thrown as SocketAddressInUse).errcode).to.be.below(0);
    });

    it('write-seq-with-offset: start/end slice what is written', async () => {
      let serverData = '';
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, (sock, data) => {
          serverData += data.toString();
          if (serverData.length >= 6) {
            closeSocket(sock);
            closeTcpServer(server);
          }
        });
        tcpConnect('localhost', server.port, null, {
          connectCb: (sock: AsyncSocket) => {
            withDelay(() => {
              writeSocketData(sock, 'qqqabcddd', { start: 3, end: 6 });
              writeSocketData(sock, 'def');
            });
          },
        });
      });
      expect(serverData).to.equal('abcdef');
    });

    it('no-overlap: 4 clients x (64 KiB + 20000) bytes through an echo server, each gets only its own bytes', async () => {
      const size = 65536 + 20000;
      const received = new Map<number, Buffer[]>();
      const counts = new Map<number, number>();
      const leaks = await resourceBaseline();
      await runLoop(() => {
        let done = 0;
        const server = tcpServer('127.0.0.1', 0, (sock, data) => writeSocketData(sock, data));
        for (let id = 1; id <= 4; id++) {
          received.set(id, []);
          counts.set(id, 0);
          tcpConnect(
            '127.0.0.1',
            server.port,
            (sock, data) => {
              received.get(id)!.push(data);
              counts.set(id, counts.get(id)! + data.length);
              if (counts.get(id)! >= size) {
                closeSocket(sock);
                if (++done === 4) closeTcpServer(server);
              }
            },
            { data: Buffer.alloc(size, id), eventCb: never('eventCb') },
          );
        }
      });
      for (let id = 1; id <= 4; id++) {
        const all = Buffer.concat(received.get(id)!);
        expect(all.length, `client ${id} bytes`).to.equal(size);
        expect(all.every((b) => b === id), `client ${id} got only its own bytes`).to.equal(true);
      }
      await leaks.check();
    });
  });

  describe('binding', () => {
    it('address is the bound IP when tcpServer returns (when listening, on the async path), undefined once closed', async () => {
      const seen: Array<string | undefined> = [];
      await runLoop(() => {
        const server = tcpServer('127.0.0.1', 0, null);
        seen.push(server.address);
        closeTcpServer(server);
        seen.push(server.address);
        const late = tcpServer('127.0.0.1', 0, null, { asyncBind: true });
        seen.push(late.address);
        late.c.once('listening', () => {
          seen.push(late.address);
          closeTcpServer(late);
        });
      });
      expect(seen).to.deep.equal(['127.0.0.1', undefined, undefined, '127.0.0.1']);
    });

    it('a server that cannot bind at once (async path) reports the port when listening and raises bind errors through the loop', async () => {
      let asyncPort: number | undefined;
      let portAtReturn: number | undefined;
      await runLoop(() => {
        const server: TcpServer = tcpServer('127.0.0.1', 0, null, { asyncBind: true });
        portAtReturn = server.port;
        server.c.once('listening', () => {
          asyncPort = server.port;
          closeTcpServer(server);
        });
      });
      expect(portAtReturn).to.equal(0);
      expect(asyncPort).to.be.above(0);

      const eventCb = never('eventCb');
      const err = await loopError(() => {
        const first = tcpServer('127.0.0.1', 0, null);
        const second = tcpServer('127.0.0.1', first.port, null, { eventCb, asyncBind: true });
        delay(() => expect(second.closed).to.equal(true), { time: 2 });
      });
      expect(err).to.be.instanceOf(SocketAddressInUse).and.include({ code: 'EADDRINUSE' });
    });
  });

  describe('host names', () => {
    // Names resolve through a DNS server of our own on 127.0.0.1: nothing leaves the host.
    let dnsServer: DnsServer;

    before(async () => {
      dnsServer = await startDnsServer({ hosts: { 'here.test': ['127.0.0.1'] } });
    });

    after(() => dnsServer.close());

    it('a name that does not resolve is a DnsError about the socket, to eventCb once, after the socket closed and left stats', async () => {
      const leaks = await resourceBaseline();
      let sock: AsyncSocket | undefined;
      let closedWhenDelivered: boolean | undefined;
      let outgoingWhenDelivered: number | undefined;
      let event: unknown;
      const eventCb = calledOnce((ev: unknown) => {
        event = ev;
        closedWhenDelivered = socketClosedP(sock!);
        outgoingWhenDelivered = stats().outgoingTcpConnections;
      });
      await runLoop(() => {
        setDnsServers([dnsServer.address]);
        sock = tcpConnect('no-such-host.test', 9, never('readCb'), {
          eventCb,
          connectCb: never('connectCb'),
          data: 'queued before the lookup',
        });
      });
      eventCb.check();
      expect(event).to.be.instanceOf(DnsError).and.include({ code: 'ENOTFOUND' });
      expect((event as DnsError & { socket: unknown }).socket).to.equal(sock);
      expect((event as DnsError & { streamish: unknown }).streamish).to.equal(sock);
      expect((event as DnsError).errmsg).to.contain('no-such-host.test');
      expect(closedWhenDelivered).to.equal(true);
      expect(outgoingWhenDelivered).to.equal(0);
      await leaks.check();
    });

    it('a name that resolves connects to its address', async () => {
      let got = '';
      await runLoop(() => {
        setDnsServers([dnsServer.address]);
        const server = tcpServer('127.0.0.1', 0, (sock, data) => {
          got += data.toString();
          closeSocket(sock);
          closeTcpServer(server);
        });
        tcpConnect('here.test', server.port, null, { data: 'by name', eventCb: () => {} });
      });
      expect(got).to.equal('by name');
    });
  });
});
