/**
 * cl-async's examples/tcp-client.lisp: send an HTTP request, print the first chunk of the
 * answer, close (so a long response is cut short, as in the original).
 *
 *   npx ts-node examples/tcp-client.ts [host=127.0.0.1] [port=80]
 */
import { startEventLoop } from '../src/event-loop';
import { Future } from '../src/future/future';
import { closeSocket } from '../src/socket';
import { tcpConnect } from '../src/tcp';

/** Inside a loop: request `/` from `host:port`; `print` receives the first chunk, then events. */
export function fetchFirstChunk(host: string, port: number, print: (text: string) => void = console.log): void {
  tcpConnect(
    host,
    port,
    (socket, data) => {
      print(data.toString());
      closeSocket(socket);
    },
    {
      data: `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      readTimeout: 5,
      eventCb: (ev) => print(`ev: ${String(ev)}`),
    },
  );
}

export function main(argv: string[] = process.argv.slice(2)): Future<void> {
  const host = argv[0] ?? process.env.HOST ?? '127.0.0.1';
  const port = Number(argv[1] ?? process.env.PORT ?? 80);
  return startEventLoop(() => fetchFirstChunk(host, port));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
