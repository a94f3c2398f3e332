/**
 * `npm start`: the toolkit in one loop, on loopback only — an echo server and client with
 * cl-async callbacks, a future chain with alet, a streamed HTTP download with progress from
 * the built-in HTTP server, and the loop's stats at the end.
 */
import { Readable } from 'node:stream';
import {
  alet,
  attach,
  closeHttpServer,
  closeSocket,
  closeTcpServer,
  delay,
  finish,
  httpRequest,
  httpResponse,
  httpServer,
  makeFuture,
  stats,
  tcpConnect,
  tcpServer,
  withEventLoop,
  writeSocketData,
} from '../src';

const DOWNLOAD_SIZE = 8 * 1024 * 1024;

/** A Future that finishes with `value` after `seconds`: a stand-in for any slow call. */
function later<T>(seconds: number, value: T) {
  const future = makeFuture<T>();
  delay(() => finish(future, value), { time: seconds });
  return future;
}

export function main(log: (line: string) => void = console.log): PromiseLike<void> {
  return withEventLoop(async () => {
    log('1. echo server and client, cl-async callbacks');
    await new Promise<void>((done) => {
      const echo = tcpServer('127.0.0.1', 0, (socket, data) => writeSocketData(socket, data));
      tcpConnect(
        '127.0.0.1',
        echo.port,
        (socket, data) => {
          log(`   the server echoed "${data.toString()}"`);
          closeSocket(socket);
          closeTcpServer(echo);
          done();
        },
        { data: 'hello, loop', eventCb: (ev) => log(`   event: ${ev.code}`) },
      );
    });

    log('2. futures: alet binds in parallel, attach sees every value');
    const started = Date.now();
    await alet({ user: later(0.1, 'andrew'), posts: later(0.1, 42) }, ({ user, posts }) =>
      log(`   ${user} has ${posts} posts (both in ${Date.now() - started} ms, not 200)`),
    );
    const twoValues = makeFuture();
    attach(twoValues, (name: string, age: number) => log(`   attach got ("${name}", ${age})`));
    finish(twoValues, 'lisp', 66);

    log(`3. streamed download of ${DOWNLOAD_SIZE / 1048576} MiB from the built-in HTTP server`);
    const server = httpServer('127.0.0.1', 0, (req) => {
      const chunk = Buffer.alloc(256 * 1024, 'x');
      let left = DOWNLOAD_SIZE / chunk.length;
      const body = new Readable({ read() { this.push(left-- > 0 ? chunk : null); } });
      httpResponse(req, { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(DOWNLOAD_SIZE) }, body });
    });
    const stream = await httpRequest(`http://127.0.0.1:${server.port}/data.bin`, { wantStream: true });
    let received = 0;
    let shown = -1;
    for await (const chunk of stream) {
      received += (chunk as Buffer).length;
      const percent = Math.floor((received / DOWNLOAD_SIZE) * 4) * 25;
      if (percent !== shown) log(`   ${String(percent).padStart(3)}% (${received} bytes)`);
      shown = percent;
    }
    closeHttpServer(server);

    const s = stats();
    log(`4. stats: ${s.outgoingTcpConnections} outgoing and ${s.incomingTcpConnections} incoming TCP, ${s.outgoingHttpConnections} pooled HTTP connection(s), ${s.dataRegistryCount} live handles`);
  });
}

if (require.main === module) {
  main().then(() => console.log('the loop has nothing left to do: done'));
}
