/**
 * Server hardening under hostile clients (the single-client limits — 431, 413, 408, idle
 * close, maxConnections — are in spec/http/server.spec.ts): thousands of slowloris clients,
 * a connection cap under a connect storm, and tcpServer with per-connection timeouts.
 *
 * tcpServer has no connection cap and no timeout option of its own (ServerOptions in
 * src/socket.ts); an application sets timeouts in `connectCb`, as the last test does.
 */
import net from 'node:net';
import { expect } from 'chai';
import { HttpTimeout, SocketTimeout } from '../../src/errors';
import { currentLoop, EventLoop } from '../../src/event-loop';
import { httpRequest } from '../../src/http/request';
import { closeHttpServer, httpResponse, httpServer } from '../../src/http/server';
import { AsyncSocket, closeSocket, setSocketTimeouts, socketClosedP, writeSocketData } from '../../src/socket';
import { closeTcpServer, tcpConnect, tcpServer, TcpServerOptions } from '../../src/tcp';
import { calledOnce, runLoop, secondsSince } from '../support/loop';
import { resourceBaseline, settle } from '../support/sockets';

/** A raw client (not ours) that sends `text` once connected and records what comes back. */
function rawClient(port: number, text: string): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      socket.on('error', () => {});
      socket.write(text);
      resolve({ socket, received: () => received, closed });
    });
  });
}

/** `count` raw clients, opened `batch` at a time so the listen queue never overflows. */
async function rawClients(count: number, port: number, text: string, batch = 500): Promise<Array<Awaited<ReturnType<typeof rawClient>>>> {
  const out: Array<Awaited<ReturnType<typeof rawClient>>> = [];
  for (let k = 0; k < count; k += batch) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - k) }, () => rawClient(port, text)))));
  }
  return out;
}

async function until(test: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !test() && Date.now() < end; ) await settle(5);
}

function expectCountersZero(loop: EventLoop): void {
  const s = loop.stats();
  expect([s.incomingTcpConnections, s.outgoingTcpConnections, s.incomingHttpConnections, s.outgoingHttpConnections]).to.deep.equal([0, 0, 0, 0]);
}

describe('server hardening', () => {
  it('slowloris: 5,000 clients stalled in their request heads do not stop a well-behaved client; each gets 408 and is closed at idleTimeout', async function () {
    this.timeout(60_000);
    const N = 5000;
    const leaks = await resourceBaseline();
    const events: unknown[] = [];
    let clients: Awaited<ReturnType<typeof rawClients>> = [];
    let openWhileServed = 0;
    let latency = Infinity;
    let served: unknown;
    let loop!: EventLoop;
    try {
      await runLoop(async () => {
        loop = currentLoop();
        const server = httpServer('127.0.0.1', 0, (req) => httpResponse(req, { body: 'served' }), {
          idleTimeout: 6,
          backlog: 4096,
          eventCb: (ev: unknown) => events.push(ev),
        });
        clients = await rawClients(N, server.port, 'GET / HTTP/1.1\r\nHost: stalled\r\nX-Slow: 1\r\n');
        await until(() => server.connectionCount >= N);
        const start = process.hrtime.bigint();
        served = await httpRequest(`http://127.0.0.1:${server.port}/`, { readTimeout: 5 });
        latency = secondsSince(start);
        openWhileServed = server.connectionCount;
        closeHttpServer(server);
      });
      expect(served).to.equal('served');
      expect(openWhileServed, 'stalled connections open while the good client was served').to.be.at.least(N);
      expect(latency, 'seconds to serve the good client').to.be.below(1);
      await Promise.all(clients.map((c) => c.closed));
      expect(clients.filter((c) => c.received().startsWith('HTTP/1.1 408 ')).length, 'stalled clients answered 408').to.equal(N);
      expect(events).to.have.length(N);
      expect(events.every((e) => e instanceof HttpTimeout && e.code === 'CLASYNC_HTTP_REQUEST_TIMEOUT')).to.equal(true);
      expectCountersZero(loop);
      await leaks.check();
    } finally {
      for (const c of clients) c.socket.destroy();
    }
  });

  it('maxConnections under a storm of 500 connects: never more than the cap open, the rest closed at accept, the server still serves', async function () {
    this.timeout(30_000);
    const CAP = 50;
    let clients: Awaited<ReturnType<typeof rawClients>> = [];
    let most = 0;
    let served: unknown;
    let loop!: EventLoop;
    try {
      await runLoop(async () => {
        loop = currentLoop();
        const server = httpServer('127.0.0.1', 0, (req) => httpResponse(req, { body: 'served' }), { maxConnections: CAP, backlog: 1024 });
        const watch = setInterval(() => (most = Math.max(most, server.connectionCount)), 1);
        clients = await rawClients(500, server.port, 'GET / HTTP/1.1\r\nHost: storm\r\n');
        await until(() => clients.filter((c) => c.socket.destroyed).length >= 500 - CAP);
        most = Math.max(most, server.connectionCount);
        for (const c of clients) c.socket.destroy();
        await until(() => server.connectionCount === 0);
        served = await httpRequest(`http://127.0.0.1:${server.port}/`, { close: true });
        clearInterval(watch);
        closeHttpServer(server);
      });
      expect(most, 'most connections open at once').to.equal(CAP);
      expect(served).to.equal('served');
      expectCountersZero(loop);
    } finally {
      for (const c of clients) c.socket.destroy();
    }
  });

  const timeoutVariants: Array<[string, TcpServerOptions]> = [
    ['the readTimeout option', { readTimeout: 0.3 }],
    ['setSocketTimeouts in connectCb', { connectCb: (socket: AsyncSocket) => setSocketTimeouts(socket, 0.3, null) }],
  ];
  for (const [how, hardening] of timeoutVariants) it(`tcpServer with ${how}: a stalled client gets SocketTimeout once and is closed while an echo client is served`, async () => {
    const leaks = await resourceBaseline();
    const timeouts = calledOnce((ev: unknown) => {
      expect(ev).to.be.instanceOf(SocketTimeout);
      expect(socketClosedP((ev as SocketTimeout).socket as AsyncSocket)).to.equal(true);
    });
    let echoed = '';
    let loop!: EventLoop;
    let stalled: Awaited<ReturnType<typeof rawClient>> | undefined;
    try {
      await runLoop(async () => {
        loop = currentLoop();
        const server = tcpServer('127.0.0.1', 0, (socket, data) => writeSocketData(socket, data), {
          ...hardening,
          eventCb: (ev: unknown) => ev instanceof SocketTimeout && timeouts(ev),
        });
        stalled = await rawClient(server.port, 'half a');
        tcpConnect('127.0.0.1', server.port, (socket, data) => {
          echoed += data.toString();
          closeSocket(socket);
        }, { data: 'echo me' });
        await stalled.closed;
        closeTcpServer(server);
      });
      timeouts.check();
      expect(echoed).to.equal('echo me');
      expectCountersZero(loop);
      await leaks.check();
    } finally {
      stalled?.socket.destroy();
    }
  });

  it('tcpServer maxConnections: connections beyond the cap are closed at accept; a freed slot is taken again', async () => {
    const leaks = await resourceBaseline();
    const accepted: AsyncSocket[] = [];
    const clients: net.Socket[] = [];
    let refusedClosed = 0;
    try {
      await runLoop(async () => {
        const server = tcpServer('127.0.0.1', 0, () => {}, {
          maxConnections: 3,
          eventCb: () => {},
          connectCb: (socket: AsyncSocket) => accepted.push(socket),
        });
        const connect = (): Promise<boolean> =>
          new Promise((resolve) => {
            const c = net.connect(server.port, '127.0.0.1');
            clients.push(c);
            c.on('error', () => {});
            // A refused-at-accept client sees its connection closed at once.
            const timer = setTimeout(() => resolve(true), 150);
            c.on('close', () => {
              clearTimeout(timer);
              resolve(false);
            });
          });
        const kept = await Promise.all(Array.from({ length: 5 }, connect));
        refusedClosed = kept.filter((k) => !k).length;
        expect(accepted).to.have.length(3);
        closeSocket(accepted[0], { force: true });
        expect(await connect()).to.equal(true);
        expect(accepted).to.have.length(4);
        accepted.forEach((s) => closeSocket(s, { force: true }));
        closeTcpServer(server);
      });
      expect(refusedClosed).to.equal(2);
      await leaks.check();
    } finally {
      clients.forEach((c) => c.destroy());
    }
  });
});
