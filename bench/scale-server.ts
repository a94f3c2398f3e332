/**
 * One contender of bench/scale.ts, run in its own process by the harness: the server under test
 * (cl-async's tcpServer + delay, or raw `net` + setTimeout) on 127.0.0.1, which also spawns the
 * client processes that load it (bench/scale-client.ts, each from its own 127.0.0.x). As in
 * cl-async's benchmark every request is answered after `delayMs`, so all connections stay
 * open with a reply pending.
 *
 * Phases: baseline memory (after GC) → clients connect, in steps the server paces → requests
 * start (spread over one delay)
 * → one more delay to settle → a window of
 * `windowMs` (replies counted, RSS sampled every 100 ms) → GC with every connection still held
 * → clients stop → the server waits for every connection to close.
 * The value is RSS bytes per connection held (peak over baseline); heap per connection,
 * connections held, requests/s and latencies go to `statsFile`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SocketEof } from '../src/errors';
import { delay } from '../src/event';
import { currentLoop, startEventLoop } from '../src/event-loop';
import { socketClosedP, writeSocketData } from '../src/socket';
import { closeTcpServer, tcpServer } from '../src/tcp';
import { appendJsonLine, contenderMain, pinTo } from './harness';
import type { ClientReport } from './scale-client';

interface Params {
  connections: number;
  clients: number;
  delayMs: number;
  windowMs: number;
  /** Limit for the clients to connect, and for the connections to close at the end. */
  rampTimeoutMs: number;
  /** Cores for the server and for the clients, or null. */
  core: number | null;
  clientCore: number | null;
  statsFile: string;
}

/** A row of `statsFile`. */
export interface ScaleRow {
  name: string;
  connections: number;
  rssPerConn: number;
  heapPerConn: number;
  reqPerSec: number;
  rampSeconds: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
  serverErrors: number;
  clientErrors: number;
  badBytes: number;
}

const HOST = '127.0.0.1';
/** Bytes of scale-client's request, which the server echoes. */
const REQUEST_BYTES = 16;

/** What the measurement needs from either server. */
interface Server {
  port: number;
  /** Connections open now. */
  open(): number;
  /** Bytes echoed so far. */
  echoed(): number;
  errors(): number;
  close(): void;
}

async function netServer(delayMs: number): Promise<Server> {
  let open = 0;
  let echoed = 0;
  let errors = 0;
  const server = net.createServer((c) => {
    open++;
    c.on('data', (d: Buffer) => {
      setTimeout(() => {
        if (c.destroyed) return;
        c.write(d);
        echoed += d.length;
      }, delayMs);
    });
    c.on('error', () => errors++);
    c.on('close', () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => open,
    echoed: () => echoed,
    errors: () => errors,
    close: () => server.close(),
  };
}

function clAsyncServer(delayMs: number): Server {
  let echoed = 0;
  let errors = 0;
  const loop = currentLoop();
  const server = tcpServer(
    HOST,
    0,
    (socket, data) => {
      delay(
        () => {
          if (socketClosedP(socket)) return;
          writeSocketData(socket, data);
          echoed += data.length;
        },
        { time: delayMs / 1000 },
      );
    },
    {
      // Peers closing are the normal end; anything else is counted.
      eventCb: (ev: unknown) => {
        if (!(ev instanceof SocketEof)) errors++;
      },
    },
  );
  return {
    port: server.port,
    open: () => loop.stats().incomingTcpConnections,
    echoed: () => echoed,
    errors: () => errors,
    close: () => closeTcpServer(server),
  };
}

/** Connections a step asks of each client: 4 × 100 stay under the listen backlog (511). */
const STEP = 100;

interface Client {
  child: ChildProcess;
  /** Resolves with the JSON report printed after `stop`. */
  report: Promise<ClientReport>;
}

function spawnClient(p: Params, port: number, index: number): Client {
  const script = path.join(__dirname, `scale-client${path.extname(__filename)}`);
  const args = [script, String(port), `127.0.0.${2 + index}`, String(p.delayMs), p.clientCore === null ? '-' : String(p.clientCore)];
  const child = spawn(process.execPath, [...process.execArgv, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let onReport!: (r: ClientReport) => void;
  const report = new Promise<ClientReport>((resolve, reject) => {
    onReport = resolve;
    child.once('exit', (code) => reject(new Error(`scale client ${index} exited (${code}) before reporting`)));
  });
  report.catch(() => {});
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (let nl = out.indexOf('\n'); nl !== -1; nl = out.indexOf('\n')) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.startsWith('{')) onReport(JSON.parse(line) as ClientReport);
    }
  });
  return { child, report };
}

async function waitFor(what: () => string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await sleep(5);
  }
}

/** The phases against `server` (inside the loop's start function for cl-async). */
async function measure(name: string, p: Params, server: Server): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  const base = process.memoryUsage();
  const t0 = performance.now();
  const clients = Array.from({ length: p.clients }, (_, i) => spawnClient(p, server.port, i));
  let sampling = true;
  try {
    let peakOpen = 0;
    let peakRss = 0;
    const sample = async (): Promise<void> => {
      while (sampling) {
        peakOpen = Math.max(peakOpen, server.open());
        if (peakOpen >= p.connections) peakRss = Math.max(peakRss, process.memoryUsage.rss());
        await sleep(100);
      }
    };
    const sampler = sample();
    for (let asked = 0; asked < p.connections; ) {
      for (const c of clients) {
        const k = Math.min(STEP, p.connections - asked);
        if (k > 0) c.child.stdin!.write(`open ${k}\n`);
        asked += k;
      }
      await waitFor(() => `${asked} connections (the server has ${server.open()})`, () => server.open() >= asked, p.rampTimeoutMs);
    }
    const rampSeconds = (performance.now() - t0) / 1000;
    for (const c of clients) c.child.stdin!.write('start\n');
    await sleep(2 * p.delayMs);

    for (const c of clients) c.child.stdin!.write('measure\n');
    const e0 = server.echoed();
    const w0 = performance.now();
    await sleep(p.windowMs);
    const reqPerSec = (server.echoed() - e0) / REQUEST_BYTES / ((performance.now() - w0) / 1000);
    gc();
    const held = Math.max(peakOpen, server.open());
    const heap = process.memoryUsage().heapUsed;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const serverErrors = server.errors();

    for (const c of clients) c.child.stdin!.write('stop\n');
    const reports = await Promise.all(clients.map((c) => c.report));
    await waitFor(() => `every connection to close (${server.open()} open)`, () => server.open() === 0, p.rampTimeoutMs);
    sampling = false;
    await sampler;

    const row: ScaleRow = {
      name,
      connections: held,
      rssPerConn: (peakRss - base.rss) / held,
      heapPerConn: (heap - base.heapUsed) / held,
      reqPerSec,
      rampSeconds,
      // The slowest client's percentiles: a conservative merge.
      p50ms: Math.max(...reports.map((r) => r.p50ms)),
      p99ms: Math.max(...reports.map((r) => r.p99ms)),
      maxMs: Math.max(...reports.map((r) => r.maxMs)),
      serverErrors,
      clientErrors: reports.reduce((a, r) => a + r.errors + r.connectErrors, 0),
      badBytes: reports.reduce((a, r) => a + r.badBytes, 0),
    };
    if (row.badBytes > 0) throw new Error(`${row.badBytes} response bytes were not the echo of the request`);
    appendJsonLine(p.statsFile, row);
    return row.rssPerConn;
  } finally {
    sampling = false;
    for (const c of clients) c.child.kill();
    server.close();
  }
}

void contenderMain({
  net: async (raw) => {
    const p = raw as unknown as Params;
    pinTo(p.core);
    return measure('net', p, await netServer(p.delayMs));
  },
  'cl-async': (raw) => {
    const p = raw as unknown as Params;
    pinTo(p.core);
    let value = NaN;
    return startEventLoop(async () => {
      value = await measure('cl-async', p, clAsyncServer(p.delayMs));
    }).then(() => value);
  },
});
