/**
 * cl-async's examples/echo-server.lisp: every chunk a client sends comes back to it.
 *
 *   npx ts-node examples/echo-server.ts [port=5000] [bind=127.0.0.1]
 *
 * Ctrl-C (or SIGTERM) ends the loop.
 */
import { startEventLoop, exitEventLoop } from '../src/event-loop';
import { Future } from '../src/future/future';
import { SIGINT, SIGTERM, signalHandler } from '../src/signal';
import { writeSocketData } from '../src/socket';
import { tcpServer, TcpServer } from '../src/tcp';

/** The server itself; call it inside a loop. */
export function echoServer(port: number, bindAddress: string | null = '127.0.0.1', log: (line: string) => void = console.log): TcpServer {
  return tcpServer(
    bindAddress,
    port,
    (socket, data) => writeSocketData(socket, data),
    (ev) => log(`ev: ${String(ev)}`),
  );
}

export function main(argv: string[] = process.argv.slice(2)): Future<void> {
  const port = Number(argv[0] ?? process.env.PORT ?? 5000);
  const bindAddress = argv[1] ?? process.env.BIND ?? '127.0.0.1';
  return startEventLoop(() => {
    const server = echoServer(port, bindAddress);
    console.log(`listening on ${server.port}`);
    for (const signal of [SIGINT!, SIGTERM!]) signalHandler(signal, () => exitEventLoop());
  });
}

if (require.main === module) {
  main().then(
    () => console.log('bye'),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
