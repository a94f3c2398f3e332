/**
 * cl-async's examples/simple-proxy.lisp: a TCP proxy. Each accepted connection opens one to
 * the remote; the two are paired through `socketData` and bytes are forwarded both ways.
 * When one side ends, the other is closed after a short delay so in-flight data can escape.
 *
 *   npx ts-node examples/simple-proxy.ts [localPort=8080] [remoteHost=127.0.0.1] [remotePort=80] [--stats]
 *
 * Ctrl-C closes the listener; open connections finish, then the loop ends.
 */
import { SocketEof, SocketError, SocketTimeout } from '../src/errors';
import { AsyncEvent, delay } from '../src/event';
import { startEventLoop, stats } from '../src/event-loop';
import { Future } from '../src/future/future';
import { freeSignalHandler, SIGINT, signalHandler } from '../src/signal';
import { AsyncSocket, closeSocket, socketClosedP, socketData, writeSocketData } from '../src/socket';
import { closeTcpServer, tcpConnect, tcpServer, TcpServer } from '../src/tcp';

export interface ProxyOptions {
  /** Print incoming/outgoing connection counts every 2 s. */
  stats?: boolean;
  /** Log each forwarded chunk's size. */
  debug?: boolean;
  log?: (line: string) => void;
}

export interface Proxy {
  server: TcpServer;
  /** Stop accepting; open connections finish on their own. */
  stop(): void;
}

/** Inside a loop: listen on `localBind:localPort` and forward to `remoteHost:remotePort`. */
export function start(
  localBind: string | null,
  localPort: number,
  remoteHost: string,
  remotePort: number,
  options: ProxyOptions = {},
): Proxy {
  const log = options.log ?? console.log;
  const forward = (from: AsyncSocket, data: Buffer): void => {
    const to = socketData(from) as AsyncSocket | undefined;
    if (options.debug) log(`${from.direction === 'in' ? 'client -> remote' : 'remote -> client'}: ${data.length} bytes`);
    if (to !== undefined && !socketClosedP(to)) writeSocketData(to, data);
  };
  // An event closed `socket`; close its partner too (later on EOF, so its last data leaves).
  const closePartner = (ev: unknown): void => {
    const socket = (ev as SocketError).socket as AsyncSocket | undefined;
    const partner = socket && (socketData(socket) as AsyncSocket | undefined);
    if (partner === undefined || socketClosedP(partner)) return;
    if (ev instanceof SocketTimeout) closeSocket(partner);
    else if (ev instanceof SocketEof || ev instanceof SocketError) delay(() => closeSocket(partner), { time: 0.1 });
    else log(`ev: ${String(ev)}`);
  };
  const server = tcpServer(localBind, localPort, forward, {
    eventCb: closePartner,
    connectCb: (client: AsyncSocket) => {
      // Reads from the client wait until the remote is connected.
      client.pause();
      const remote = tcpConnect(remoteHost, remotePort, forward, {
        eventCb: closePartner,
        connectCb: () => client.resume(),
      });
      socketData(client, remote);
      socketData(remote, client);
    },
  });
  let statsEvent: AsyncEvent | undefined;
  if (options.stats) {
    const report = (): void => {
      const s = stats();
      log(`incoming: ${s.incomingTcpConnections}, outgoing: ${s.outgoingTcpConnections}`);
      statsEvent = delay(report, { time: 2 });
    };
    statsEvent = delay(report, { time: 2 });
  }
  return {
    server,
    stop() {
      closeTcpServer(server);
      statsEvent?.close();
    },
  };
}

export function main(argv: string[] = process.argv.slice(2)): Future<void> {
  const args = argv.filter((a) => !a.startsWith('--'));
  const localPort = Number(args[0] ?? process.env.PORT ?? 8080);
  const remoteHost = args[1] ?? '127.0.0.1';
  const remotePort = Number(args[2] ?? 80);
  return startEventLoop(
    () => {
      const proxy = start('127.0.0.1', localPort, remoteHost, remotePort, { stats: argv.includes('--stats') });
      console.log(`proxying ${proxy.server.port} -> ${remoteHost}:${remotePort}`);
      signalHandler(SIGINT!, () => {
        proxy.stop();
        freeSignalHandler(SIGINT!);
      });
    },
    { catchAppErrors: true },
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
