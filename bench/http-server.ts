/**
 * The canned-response server of the HTTP client benchmarks, in its own process so that its cost
 * never lands on the client's core. It answers every request head (`\r\n\r\n`) with a prebuilt
 * keep-alive response chosen by the path's first letter:
 *
 *   GET /small      12 B body
 *   GET /big        64 KiB body
 *   GET /stream/N   N bytes (Content-Length), written in 1 MiB slices with back-pressure
 *   GET /stats      its own CPU time, so a client can check the server is not the limit
 *
 * Run directly it listens on 127.0.0.1 (port 0), prints `port N`, and exits when its stdin
 * closes (the parent died or stopped it) or after `maxSeconds`. `startServer()` is the parent's
 * side: spawn it (pinned to the last core when `taskset` exists), wait for the port.
 */
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { compileBench, hasTaskset } from './harness';

export const SMALL_BODY = 12;
export const BIG_BODY = 64 * 1024;

function response(bodyLength: number, body?: Buffer): Buffer {
  const head = `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bodyLength}\r\nConnection: keep-alive\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body ?? Buffer.alloc(0)]);
}

const SLICE = Buffer.alloc(1024 * 1024, 0x61);

function serve(): net.Server {
  const small = response(SMALL_BODY, Buffer.alloc(SMALL_BODY, 0x61));
  const big = response(BIG_BODY, Buffer.alloc(BIG_BODY, 0x62));
  return net.createServer((socket) => {
    socket.setNoDelay(true);
    let carry = '';
    // A streamed response in progress: later requests wait for it (clients here do not pipeline).
    let streaming = false;
    const queue: string[] = [];

    const answer = (path: string): void => {
      if (path.startsWith('/small')) socket.write(small);
      else if (path.startsWith('/big')) socket.write(big);
      else if (path.startsWith('/stream/')) stream(Number(path.slice(8)));
      else if (path.startsWith('/stats')) {
        const cpu = process.cpuUsage();
        const body = Buffer.from(JSON.stringify({ cpuMicros: cpu.user + cpu.system, wallNanos: String(process.hrtime.bigint()) }));
        socket.write(response(body.length, body));
      } else socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    };

    const stream = (total: number): void => {
      streaming = true;
      socket.write(response(total));
      let left = total;
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, SLICE.length);
          left -= n;
          if (!socket.write(n === SLICE.length ? SLICE : SLICE.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
        streaming = false;
        while (!streaming && queue.length > 0) answer(queue.shift()!);
      };
      pump();
    };

    socket.on('data', (chunk: Buffer) => {
      const text = carry + chunk.toString('latin1');
      let start = 0;
      for (let end = text.indexOf('\r\n\r\n'); end !== -1; end = text.indexOf('\r\n\r\n', start)) {
        const path = text.slice(text.indexOf(' ', start) + 1, text.indexOf(' ', text.indexOf(' ', start) + 1));
        start = end + 4;
        if (streaming) queue.push(path);
        else answer(path);
      }
      carry = text.slice(start);
    });
    socket.on('error', () => socket.destroy());
  });
}

export interface BenchServer {
  port: number;
  /** The server is pinned to this core, or null. */
  core: number | null;
  stop(): void;
}

/** Spawn the server (pinned to the last core when `pin`), bounded to `maxSeconds`. */
export function startServer(options: { pin: boolean; maxSeconds: number; script: string }): Promise<BenchServer> {
  const core = options.pin && os.cpus().length > 1 && hasTaskset() ? os.cpus().length - 1 : null;
  const node = [process.execPath, options.script, String(options.maxSeconds)];
  const child: ChildProcess =
    core === null
      ? spawn(node[0], node.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] })
      : spawn('taskset', ['-c', String(core), ...node], { stdio: ['pipe', 'pipe', 'inherit'] });
  const stop = (): void => {
    child.stdin?.end();
    child.kill();
  };
  process.once('exit', stop);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m !== null) resolve({ port: Number(m[1]), core, stop });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited early (${code})`)));
    child.once('error', reject);
  });
}

/**
 * A benchmark parent's whole life: compile once, start the server, `run(dir, contender script,
 * server)`, stop the server; print the header line the client benchmarks share.
 */
export function benchAgainstServer(maxSeconds: number, pin: boolean, run: (dir: string, script: string, server: BenchServer) => void): void {
  const main = async (): Promise<void> => {
    const compiled = compileBench();
    const server = await startServer({ pin, maxSeconds, script: compiled.script('http-server.js') });
    try {
      const undiciVersion = (require('undici/package.json') as { version: string }).version;
      const clientCore = server.core === null ? 'any' : 0;
      process.stdout.write(
        `node ${process.version}, undici ${undiciVersion}, ${os.cpus().length} cores; ` +
          `server on core ${server.core ?? 'any'}, clients on core ${clientCore}; load average ${os.loadavg()[0].toFixed(2)}\n\n`,
      );
      run(compiled.dir, compiled.script('http-client-contender.js'), server);
    } finally {
      server.stop();
    }
  };
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}

if (require.main === module) {
  const maxSeconds = Number(process.argv[2] ?? 600);
  const server = serve();
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`port ${(server.address() as net.AddressInfo).port}\n`);
  });
  const quit = (): void => process.exit(0);
  process.stdin.on('end', quit).on('close', quit).resume();
  setTimeout(quit, maxSeconds * 1000).unref();
}
