// One contender of bench/tcp-echo.ts, run in its own process by the harness: an echo server
// and one client in this process, through cl-async's tcpServer/tcpConnect or through raw `net`.
//   params.mode = 'throughput': the client streams `megabytes` MB (64 KiB writes, waiting for
//     'drain'); the value is echoed MB/s.
//   params.mode = 'roundtrip': 64-byte ping, wait for the 64-byte echo, repeat for `ms`;
//     the value is round trips/s.
import net from 'node:net';
import { startEventLoop } from '../src/event-loop';
import { AsyncSocket, closeSocket, writeSocketData } from '../src/socket';
import { closeTcpServer, tcpConnect, tcpServer } from '../src/tcp';
import { contenderMain } from './harness';

interface Params {
  mode: 'throughput' | 'roundtrip';
  megabytes: number;
  ms: number;
}

const CHUNK = Buffer.alloc(64 * 1024, 7);
const PING = Buffer.alloc(64, 1);
const HIGH_WATER = 1024 * 1024;

/** What a client needs from either library. */
interface Client {
  write(data: Buffer): void;
  buffered(): number;
  onDrain(fn: () => void): void;
  close(): void;
}

/** Drive one client; `start` wires it and calls back with received byte counts. */
function drive(params: Params, start: (onData: (n: number) => void, ready: (client: Client) => void) => void, done: () => void): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    let t0 = 0n;
    let client: Client;
    if (params.mode === 'throughput') {
      const total = params.megabytes * 1024 * 1024;
      let sent = 0;
      const pump = (): void => {
        while (sent < total && client.buffered() < HIGH_WATER) {
          client.write(CHUNK);
          sent += CHUNK.length;
        }
      };
      start(
        (n) => {
          received += n;
          if (received >= total) {
            const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
            client.close();
            done();
            resolve(total / (1024 * 1024) / seconds);
          }
        },
        (c) => {
          client = c;
          client.onDrain(pump);
          t0 = process.hrtime.bigint();
          pump();
        },
      );
    } else {
      let trips = 0;
      let deadline = 0n;
      start(
        (n) => {
          received += n;
          if (received < PING.length) return;
          received -= PING.length;
          trips++;
          const now = process.hrtime.bigint();
          if (now < deadline) {
            client.write(PING);
            return;
          }
          client.close();
          done();
          resolve(trips / (Number(now - t0) / 1e9));
        },
        (c) => {
          client = c;
          t0 = process.hrtime.bigint();
          deadline = t0 + BigInt(params.ms) * 1_000_000n;
          client.write(PING);
        },
      );
    }
  });
}

async function withNet(params: Params): Promise<number> {
  const server = net.createServer((c) => c.on('data', (d) => c.write(d)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return drive(
    params,
    (onData, ready) => {
      const c = net.connect(port, '127.0.0.1', () =>
        ready({
          write: (d) => c.write(d),
          buffered: () => c.writableLength,
          onDrain: (fn) => c.on('drain', fn),
          close: () => c.end(),
        }),
      );
      c.on('data', (d: Buffer) => onData(d.length));
    },
    () => server.close(),
  );
}

function withClAsync(params: Params): Promise<number> {
  let result = 0;
  return startEventLoop(() => {
    const server = tcpServer('127.0.0.1', 0, (sock, data) => writeSocketData(sock, data));
    return drive(
      params,
      (onData, ready) => {
        tcpConnect('127.0.0.1', server.port, (_s, data) => onData(data.length), {
          connectCb: (sock: AsyncSocket) =>
            ready({
              write: (d) => writeSocketData(sock, d),
              buffered: () => sock.bufferedAmount,
              onDrain: (fn) => sock.on('drain', fn),
              close: () => closeSocket(sock),
            }),
        });
      },
      () => closeTcpServer(server),
    ).then((v) => {
      result = v;
    });
  }).then(() => result);
}

/** Warm up once (JIT, kernel buffers), then measure. */
const contender =
  (fn: (p: Params) => Promise<number>) =>
  async (raw: Record<string, unknown>): Promise<number> => {
    const params = raw as unknown as Params;
    await fn({ ...params, megabytes: Math.max(1, params.megabytes / 8), ms: Math.max(50, params.ms / 5) });
    return fn(params);
  };

void contenderMain({ net: contender(withNet), 'cl-async': contender(withClAsync) });
