/**
 * One contender of bench/http-client.ts and bench/http-stream.ts, run in its own process by the
 * harness (pinned to core 0 when the parent asks, the server having the other core).
 *
 * `mode: 'loop'`: C workers each doing request → read the whole body → next, against the
 * canned server; warm-up, then a fixed window. The value is requests per second; latency
 * percentiles, CPU time per request and the server's CPU share go to `statsFile`.
 *
 * `mode: 'download'`: one streamed download of `size` bytes, optionally read no faster than
 * `rateMBps`. The value is MB/s, or with `rateMBps` the peak RSS in MiB (sampled every 100 ms);
 * both, the RSS at the start and the peaks of each half go to `statsFile`.
 *
 * Every body's length is checked: a client that loses bytes fails the run.
 */
import http from 'node:http';
import net from 'node:net';
import { createHistogram } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startEventLoop } from '../src/event-loop';
import { httpRequest } from '../src/http/request';
import { appendJsonLine, contenderMain, pinTo } from './harness';

interface Params {
  mode: 'loop' | 'download';
  port: number;
  path: string;
  /** Expected body length. */
  size: number;
  connections: number;
  warmupMs: number;
  measureMs: number;
  /** download: consume no faster than this (0: as fast as possible). */
  rateMBps: number;
  /** Core to pin this process to, or null. */
  core: number | null;
  statsFile: string;
}

/** One request; resolves with the body's length once it has all been read. */
type One = () => Promise<number>;

interface Client {
  /** A request function for the loop, or for a download of `path`. */
  one(path: string, consume: (body: Readable) => Promise<number>): One;
  /** Runs `fn` where the client works (inside an event loop for ours) and cleans up after. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

const HOST = '127.0.0.1';

function inEventLoop<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let result: T;
    startEventLoop(async () => {
      result = await fn();
    }).then(() => resolve(result), reject);
  });
}

/** Reads a body with `data` listeners (the same for every contender), counting bytes. */
function drain(body: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    body.on('data', (chunk: Buffer) => (n += chunk.length));
    body.once('end', () => resolve(n));
    body.once('error', reject);
  });
}

function clients(p: Params): Record<string, () => Client> {
  const base = `http://${HOST}:${p.port}`;
  const C = p.connections;
  const ours = (wantStream: boolean) => (): Client => ({
    one: (path, consume) => {
      const url = base + path;
      if (wantStream) {
        const options = { maxConnections: C, keepAliveTimeout: 30, wantStream: true } as const;
        return async () => consume(await httpRequest(url, options));
      }
      const options = { maxConnections: C, keepAliveTimeout: 30 };
      return async () => ((await httpRequest(url, options)) as Buffer | null)?.length ?? 0;
    },
    run: inEventLoop,
  });
  const undici = (): Client => {
    const pool = new Pool(base, { connections: C, pipelining: 1 });
    return {
      one: (path, consume) => async () => consume((await pool.request({ path, method: 'GET' })).body),
      run: async (fn) => {
        try {
          return await fn();
        } finally {
          await pool.close();
        }
      },
    };
  };
  const nodeHttp = (): Client => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: C });
    return {
      one: (path, consume) => () =>
        new Promise<number>((resolve, reject) => {
          http.get({ host: HOST, port: p.port, path, agent }, (res) => consume(res).then(resolve, reject)).once('error', reject);
        }),
      run: async (fn) => {
        try {
          return await fn();
        } finally {
          agent.destroy();
        }
      },
    };
  };
  return { ours: ours(false), 'ours-stream': ours(true), undici, http: nodeHttp };
}

/** The server's CPU time so far (read on a connection of its own, outside the timed window). */
function serverCpu(port: number): Promise<{ cpuMicros: number; wallNanos: bigint }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: HOST, port, path: '/stats', agent: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const s = JSON.parse(text) as { cpuMicros: number; wallNanos: string };
          resolve({ cpuMicros: s.cpuMicros, wallNanos: BigInt(s.wallNanos) });
        });
      })
      .once('error', reject);
  });
}

async function closedLoop(p: Params, one: One): Promise<number> {
  const latency = createHistogram();
  let measuring = false;
  let stop = false;
  let count = 0;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const t = process.hrtime.bigint();
      const n = await one();
      if (n !== p.size) throw new Error(`body of ${n} bytes, expected ${p.size}`);
      if (measuring) {
        count++;
        latency.record(process.hrtime.bigint() - t);
      }
    }
  };
  const workers = Array.from({ length: p.connections }, worker);
  const failed = Promise.all(workers);
  // A worker failing ends the run at once rather than after the window.
  await Promise.race([sleep(p.warmupMs), failed]);
  const s0 = await serverCpu(p.port);
  measuring = true;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await Promise.race([sleep(p.measureMs), failed]);
  measuring = false;
  const t1 = process.hrtime.bigint();
  const done = count;
  const c1 = process.cpuUsage(c0);
  const s1 = await serverCpu(p.port);
  stop = true;
  await failed;
  const seconds = Number(t1 - t0) / 1e9;
  record(p, {
    p50ms: latency.percentile(50) / 1e6,
    p99ms: latency.percentile(99) / 1e6,
    clientCpu: (c1.user + c1.system) / 1e6 / seconds,
    // CPU per request is steadier than req/s when other work shares the machine.
    cpuUsPerReq: (c1.user + c1.system) / Math.max(1, done),
    serverCpu: (s1.cpuMicros - s0.cpuMicros) / (Number(s1.wallNanos - s0.wallNanos) / 1e3),
  });
  return done / seconds;
}

/** Reads at most `rateMBps` (1 MB = 1e6 bytes) by pausing the body when ahead of schedule. */
function slowDrain(rateMBps: number): (body: Readable) => Promise<number> {
  return (body) =>
    new Promise((resolve, reject) => {
      let n = 0;
      const start = performance.now();
      body.on('data', (chunk: Buffer) => {
        n += chunk.length;
        const ahead = n / (rateMBps * 1e3) - (performance.now() - start);
        if (ahead > 1) {
          body.pause();
          setTimeout(() => body.resume(), ahead);
        }
      });
      body.once('end', () => resolve(n));
      body.once('error', reject);
    });
}

async function download(p: Params, one: One): Promise<number> {
  const startRss = process.memoryUsage.rss();
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(process.memoryUsage.rss()), 100);
  const t0 = process.hrtime.bigint();
  const n = await one();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  samples.push(process.memoryUsage.rss());
  if (n !== p.size) throw new Error(`body of ${n} bytes, expected ${p.size}`);
  const MBps = p.size / 1e6 / seconds;
  const MiB = (bytes: number): number => bytes / 2 ** 20;
  const half = samples.length >> 1;
  const peakRssMB = MiB(Math.max(startRss, ...samples));
  // Flat memory: the second half of the download peaks no higher than the first.
  const firstHalfPeakMB = MiB(Math.max(startRss, ...samples.slice(0, half)));
  const secondHalfPeakMB = MiB(Math.max(...samples.slice(half)));
  record(p, { MBps, peakRssMB, startRssMB: MiB(startRss), firstHalfPeakMB, secondHalfPeakMB });
  return p.rateMBps > 0 ? peakRssMB : MBps;
}

function record(p: Params, stats: Record<string, number>): void {
  appendJsonLine(p.statsFile, { name: process.argv[2], ...stats });
}

function contender(name: string) {
  return async (raw: Record<string, unknown>): Promise<number> => {
    const p = raw as unknown as Params;
    pinTo(p.core);
    const client = clients(p)[name]();
    if (p.mode === 'loop') return client.run(() => closedLoop(p, client.one(p.path, drain)));
    const consume = p.rateMBps > 0 ? slowDrain(p.rateMBps) : drain;
    return client.run(() => download(p, client.one(p.path, consume)));
  };
}

/** A bare `net` client that counts response bytes without parsing: the server's ceiling. */
async function rawNet(raw: Record<string, unknown>): Promise<number> {
  const p = raw as unknown as Params;
  pinTo(p.core);
  const req = Buffer.from(`GET ${p.path} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
  const responseLength = p.size + (await responseHeadLength(p));
  let count = 0;
  let measuring = false;
  const sockets = Array.from({ length: p.connections }, () => {
    const s = net.connect(p.port, HOST, () => s.write(req));
    s.setNoDelay(true);
    let got = 0;
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= responseLength) {
        got -= responseLength;
        if (measuring) count++;
        s.write(req);
      }
    });
    return s;
  });
  await sleep(p.warmupMs);
  measuring = true;
  const t0 = process.hrtime.bigint();
  await sleep(p.measureMs);
  const done = count;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const s of sockets) s.destroy();
  record(p, {});
  return done / seconds;
}

function responseHeadLength(p: Params): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(p.port, HOST, () => s.write(`GET ${p.path} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`));
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        s.destroy();
        resolve(end + 4);
      }
    });
    s.once('error', reject);
  });
}

void contenderMain({
  ours: contender('ours'),
  'ours-stream': contender('ours-stream'),
  undici: contender('undici'),
  http: contender('http'),
  'net-raw': rawNet,
});
