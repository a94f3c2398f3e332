/**
 * No lost bytes: random data through the toolkit with random pauses on both sides (writers
 * stop for a few ms now and then and wait for `drain`; readers pause their socket or stream),
 * compared by SHA-256 of what was sent and what arrived:
 *
 *   proxy     both directions at once through examples/simple-proxy (client <-> proxy <-> upstream)
 *   upload    httpRequest with a streamed (chunked) body to httpServer
 *   download  httpServer streaming a Readable to httpRequest with wantStream
 *
 *   node -r ts-node/register/transpile-only bench/no-lost-bytes.ts [--mib N] [--seed S]
 *
 * Default 1024 MiB per transfer (spec/soak/no-lost-bytes.spec.ts runs 64 MiB).
 */
import { createHash, Hash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { start as startProxy } from '../examples/simple-proxy';
import { delay } from '../src/event';
import { startEventLoop } from '../src/event-loop';
import { httpRequest } from '../src/http/request';
import { closeHttpServer, httpResponse, httpServer } from '../src/http/server';
import { AsyncSocket, closeSocket, disableSocket, enableSocket, socketClosedP, writeSocketData } from '../src/socket';
import { closeTcpServer, tcpConnect, tcpServer } from '../src/tcp';

export interface Transfer {
  bytes: number;
  sent: string;
  received: string;
  receivedBytes: number;
  seconds: number;
}

/** Random bytes the writers send slices of. */
const POOL = randomBytes(4 * 1024 * 1024);
const MAX_CHUNK = 128 * 1024;
const HIGH_WATER = 1024 * 1024;

/** Seeded PRNG (mulberry32): the same seed gives the same chunking and pauses. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Slices of POOL adding up to `total`, of random sizes and offsets, each hashed as it goes. */
function* slices(total: number, rand: () => number, hash: Hash): Generator<Buffer> {
  for (let sent = 0; sent < total; ) {
    const n = Math.min(total - sent, 1 + Math.floor(rand() * MAX_CHUNK));
    const at = Math.floor(rand() * (POOL.length - n));
    const chunk = POOL.subarray(at, at + n);
    hash.update(chunk);
    sent += n;
    yield chunk;
  }
}

/** About one chunk in 50, a pause of up to 5 ms. */
const pauseFor = (rand: () => number): number => (rand() < 0.02 ? rand() * 0.005 : 0);

/** Write `total` bytes to `socket`, pausing at random and waiting for `drain` past HIGH_WATER. */
function pump(socket: AsyncSocket, total: number, rand: () => number, hash: Hash, done: () => void): void {
  const chunks = slices(total, rand, hash);
  const step = (): void => {
    for (let next = chunks.next(); !next.done; next = chunks.next()) {
      if (socketClosedP(socket)) return;
      writeSocketData(socket, next.value);
      const pause = pauseFor(rand);
      if (pause > 0) return void delay(step, { time: pause });
      if (socket.bufferedAmount > HIGH_WATER) return void socket.once('drain', step);
    }
    done();
  };
  step();
}

/** Stop reading `socket` for a moment, now and then (call on every read). */
function pauseReading(socket: AsyncSocket, rand: () => number): void {
  const pause = pauseFor(rand);
  if (pause === 0 || socketClosedP(socket)) return;
  disableSocket(socket);
  delay(() => socketClosedP(socket) || enableSocket(socket), { time: pause });
}

/** Hash what arrives, counting it. */
function sink(): { hash: Hash; bytes: number; take(data: Buffer): void } {
  const s = {
    hash: createHash('sha256'),
    bytes: 0,
    take(data: Buffer) {
      s.hash.update(data);
      s.bytes += data.length;
    },
  };
  return s;
}

type Finish = (sent: Hash, received: ReturnType<typeof sink>) => void;

/** Run a transfer in its own loop; it calls `finish` with both hashes, or `fail`. */
async function timed(bytes: number, run: (finish: Finish, fail: (err: unknown) => void) => void): Promise<Transfer> {
  const began = process.hrtime.bigint();
  let result: Transfer | undefined;
  let failure: unknown;
  await startEventLoop(() =>
    run(
      (sent, received) => {
        result = { bytes, sent: sent.digest('hex'), received: received.hash.digest('hex'), receivedBytes: received.bytes, seconds: 0 };
      },
      (err) => (failure = err),
    ),
  );
  if (failure !== undefined) throw failure;
  if (result === undefined) throw new Error('transfer did not finish');
  result.seconds = Number(process.hrtime.bigint() - began) / 1e9;
  return result;
}

/** `bytes` each way at once through simple-proxy; returns the client-to-upstream and upstream-to-client transfers. */
export async function throughProxy(bytes: number, seed = 1): Promise<[up: Transfer, down: Transfer]> {
  const rand = prng(seed);
  let down: Transfer | undefined;
  const up = await timed(bytes, (finish) => {
    const upSent = createHash('sha256');
    const downSent = createHash('sha256');
    const upReceived = sink();
    const downReceived = sink();
    let pending = 4; // two writers, two readers
    const settled = (): void => {
      if (--pending > 0) return;
      finish(upSent, upReceived);
      down = { bytes, sent: downSent.digest('hex'), received: downReceived.hash.digest('hex'), receivedBytes: downReceived.bytes, seconds: 0 };
      closeSocket(client);
      closeTcpServer(upstream);
      proxy.stop();
    };
    const reader = (received: ReturnType<typeof sink>) => (socket: AsyncSocket, data: Buffer) => {
      received.take(data);
      if (received.bytes === bytes) settled();
      else pauseReading(socket, rand);
    };
    const upstream = tcpServer('127.0.0.1', 0, reader(upReceived), {
      eventCb: () => {},
      connectCb: (socket: AsyncSocket) => pump(socket, bytes, rand, downSent, settled),
    });
    const proxy = startProxy('127.0.0.1', 0, '127.0.0.1', upstream.port, { log: () => {} });
    const client = tcpConnect('127.0.0.1', proxy.server.port, reader(downReceived), {
      eventCb: () => {},
      connectCb: (socket: AsyncSocket) => pump(socket, bytes, rand, upSent, settled),
    });
  });
  down!.seconds = up.seconds;
  return [up, down!];
}

/** A streamed body of `bytes`, pausing at random. */
function pausingBody(bytes: number, rand: () => number, hash: Hash): Readable {
  return Readable.from(
    (async function* () {
      for (const chunk of slices(bytes, rand, hash)) {
        const pause = pauseFor(rand);
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause * 1000));
        yield chunk;
      }
    })(),
  );
}

/** POST `bytes` as a chunked stream; the server reads with random pauses and hashes the body. */
export function httpUpload(bytes: number, seed = 2): Promise<Transfer> {
  const rand = prng(seed);
  return timed(bytes, (finish, fail) => {
    const sent = createHash('sha256');
    const received = sink();
    const server = httpServer(
      '127.0.0.1',
      0,
      (req) => {
        received.take(req.body ?? Buffer.alloc(0));
        httpResponse(req, { body: 'thanks' });
      },
      { maxBodySize: bytes + 1 },
    );
    // The server's connection reads through our readCb wrapper, which pauses now and then.
    const accept = server.tcp.connectCb as (socket: AsyncSocket) => void;
    server.tcp.connectCb = ((socket: AsyncSocket) => {
      accept(socket);
      const read = socket.readCb as (s: AsyncSocket, data: Buffer) => void;
      socket.readCb = ((s: AsyncSocket, data: Buffer) => {
        read(s, data);
        pauseReading(s, rand);
      }) as never;
    }) as never;
    httpRequest(`http://127.0.0.1:${server.port}/`, { method: 'POST', content: pausingBody(bytes, rand, sent), readTimeout: 60 }).attach(
      () => {
        finish(sent, received);
        closeHttpServer(server);
      },
      (err: unknown) => {
        fail(err);
        closeHttpServer(server);
      },
    );
  });
}

/** GET `bytes` streamed by the server with random pauses; the client pauses its body stream at random. */
export function httpDownload(bytes: number, seed = 3): Promise<Transfer> {
  const rand = prng(seed);
  return timed(bytes, (finish, fail) => {
    const sent = createHash('sha256');
    const received = sink();
    const server = httpServer('127.0.0.1', 0, (req) => httpResponse(req, { body: pausingBody(bytes, rand, sent) }));
    httpRequest(`http://127.0.0.1:${server.port}/`, { wantStream: true, readTimeout: 60 }).attach(
      (body: Readable) => {
        body.on('data', (data: Buffer) => {
          received.take(data);
          const pause = pauseFor(rand);
          if (pause === 0) return;
          body.pause();
          delay(() => body.resume(), { time: pause });
        });
        body.on('end', () => {
          finish(sent, received);
          closeHttpServer(server);
        });
      },
      (err: unknown) => {
        fail(err);
        closeHttpServer(server);
      },
    );
  });
}

async function main(): Promise<void> {
  const at = (name: string): string | undefined => process.argv[process.argv.indexOf(name) + 1];
  const mib = process.argv.includes('--mib') ? Number(at('--mib')) : 1024;
  const seed = process.argv.includes('--seed') ? Number(at('--seed')) : 1;
  const bytes = mib * 1024 * 1024;
  const [up, down] = await throughProxy(bytes, seed);
  const runs: Array<[string, Transfer]> = [
    ['proxy client -> upstream', up],
    ['proxy upstream -> client', down],
    ['httpRequest upload', await httpUpload(bytes, seed + 1)],
    ['httpRequest download', await httpDownload(bytes, seed + 2)],
  ];
  let ok = true;
  for (const [name, t] of runs) {
    const same = t.sent === t.received && t.receivedBytes === t.bytes;
    ok &&= same;
    const rate = t.bytes / 2 ** 20 / t.seconds;
    process.stdout.write(`${name}: ${mib} MiB in ${t.seconds.toFixed(1)} s (${rate.toFixed(0)} MiB/s), sha256 ${same ? 'equal' : `DIFFERENT (${t.receivedBytes} bytes arrived)`}\n`);
  }
  process.exitCode = ok ? 0 : 1;
}

if (require.main === module) void main();
