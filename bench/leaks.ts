/**
 * Leak check: many HTTP requests (httpRequest against httpServer, keep-alive, 50 at a time) and
 * many TCP connections (tcpConnect to a tcpServer echo, each opened, echoed and closed), in
 * one process. After a warm-up, the heap after GC must come back within 5 % of where it
 * started; afterwards no socket, timer or immediate is left and every `stats()` counter of
 * every loop is zero.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/leaks.ts [--requests N] [--connections N]
 *
 * Defaults: 100,000 of each (spec/leaks.spec.ts runs 20,000). Prints one JSON line; exits 1
 * when a check fails.
 */
import { currentLoop, EventLoopStats, startEventLoop } from '../src/event-loop';
import { httpRequest } from '../src/http/request';
import { closeHttpServer, httpResponse, httpServer } from '../src/http/server';
import { AsyncSocket, closeSocket, writeSocketData } from '../src/socket';
import { closeTcpServer, tcpConnect, tcpServer } from '../src/tcp';

const CONCURRENCY = 50;
const WARM_UP = 2000;
const MAX_GROWTH = 0.05;

type Counters = Omit<EventLoopStats, 'fnRegistryCount' | 'dataRegistryCount'>;

interface Phase {
  failures: number;
  counters: Counters;
}

/** Run `total` operations, `CONCURRENCY` at a time, in a fresh loop; `start(done)` begins one. */
async function phase(total: number, setup: () => { start(done: (ok: boolean) => void): void; stop(): void }): Promise<Phase> {
  let failures = 0;
  let counters!: () => Counters;
  await startEventLoop(() => {
    const loop = currentLoop();
    counters = () => {
      const { fnRegistryCount: _f, dataRegistryCount: _d, ...rest } = loop.stats();
      return rest;
    };
    const { start, stop } = setup();
    let started = 0;
    let finished = 0;
    const next = (): void => {
      if (started === total) return;
      started++;
      start((ok) => {
        if (!ok) failures++;
        if (++finished === total) stop();
        else next();
      });
    };
    for (let k = 0; k < CONCURRENCY; k++) next();
  });
  return { failures, counters: counters() };
}

function httpRequests(total: number): Promise<Phase> {
  return phase(total, () => {
    const server = httpServer('127.0.0.1', 0, (req) => httpResponse(req, { body: 'hello' }), { eventCb: () => {} });
    const url = `http://127.0.0.1:${server.port}/`;
    return {
      start: (done) => httpRequest(url).attach((body: unknown) => done(body === 'hello'), () => done(false)),
      stop: () => closeHttpServer(server),
    };
  });
}

function tcpConnections(total: number): Promise<Phase> {
  return phase(total, () => {
    const server = tcpServer('127.0.0.1', 0, (socket, data) => writeSocketData(socket, data), { eventCb: () => {} });
    return {
      start: (done) => {
        let answered = false;
        tcpConnect('127.0.0.1', server.port, (socket: AsyncSocket, data: Buffer) => {
          answered = data.toString() === 'ping';
          closeSocket(socket);
          done(answered);
        }, { data: 'ping', eventCb: () => answered || ((answered = true), done(false)) });
      },
      stop: () => closeTcpServer(server),
    };
  });
}

async function heapAfterGc(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run node with --expose-gc');
  for (let k = 0; k < 4; k++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

async function main(): Promise<void> {
  const requests = argument('--requests', 100_000);
  const connections = argument('--connections', 100_000);
  const began = Date.now();
  await httpRequests(Math.min(WARM_UP, requests));
  await tcpConnections(Math.min(WARM_UP, connections));
  const heapStart = await heapAfterGc();
  const http = await httpRequests(requests);
  const tcp = await tcpConnections(connections);
  const heapEnd = await heapAfterGc();
  // Closing handles finish closing a turn or two later.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const resources = process.getActiveResourcesInfo().filter((name) => /TCP|TLS|Timeout|Immediate/.test(name));
  const growth = (heapEnd - heapStart) / heapStart;
  const zero = (c: Counters): boolean => Object.values(c).every((n) => n === 0);
  const report = {
    requests,
    connections,
    failures: http.failures + tcp.failures,
    heapStartMB: +(heapStart / 2 ** 20).toFixed(2),
    heapEndMB: +(heapEnd / 2 ** 20).toFixed(2),
    growth: +growth.toFixed(4),
    resources,
    counters: { http: http.counters, tcp: tcp.counters },
    seconds: (Date.now() - began) / 1000,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  const ok = report.failures === 0 && growth <= MAX_GROWTH && resources.length === 0 && zero(http.counters) && zero(tcp.counters);
  process.exitCode = ok ? 0 : 1;
}

void main();
