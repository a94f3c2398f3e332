/**
 * `cl-async echo-server` and `cl-async proxy`: long-running servers that stop on SIGINT or
 * SIGTERM. The echo server uses cl-async callbacks; the proxy pipes socket streams, the Node way.
 */
import { pipeline } from 'node:stream';
import { AsyncIoStream } from '../async-stream';
import { exitEventLoop, withEventLoop } from '../event-loop';
import { SIGINT, SIGTERM, signalHandler } from '../signal';
import { writeSocketData } from '../socket';
import { tcpConnect, tcpServer } from '../tcp';
import { CliIo, EXIT } from './io';

function stopOnSignals(onStop: () => void): void {
  for (const signal of [SIGINT!, SIGTERM!]) signalHandler(signal, onStop);
}

export async function echoServer(options: { port: number; bind: string }, io: CliIo): Promise<number> {
  await withEventLoop(() => {
    const server = tcpServer(options.bind, options.port, (socket, data) => writeSocketData(socket, data), {
      eventCb: () => {}, // a client leaving is not news
    });
    io.stdout.write(`echo server listening on ${options.bind}:${server.port}\n`);
    stopOnSignals(() => exitEventLoop());
  });
  return EXIT.ok;
}

export interface ProxyOptions {
  localPort: number;
  host: string;
  port: number;
  bind: string;
}

export async function proxy(options: ProxyOptions, io: CliIo): Promise<number> {
  await withEventLoop(() => {
    const server = tcpServer(options.bind, options.localPort, null, {
      stream: true,
      eventCb: () => {},
      connectCb: (client: AsyncIoStream) => {
        const remote = tcpConnect(options.host, options.port, null, { stream: true, eventCb: () => {} });
        // Either side failing ends both; pipeline destroys the streams, which closes the sockets.
        pipeline(client, remote, () => client.destroy());
        pipeline(remote, client, () => remote.destroy());
      },
    });
    io.stdout.write(`proxy listening on ${options.bind}:${server.port} -> ${options.host}:${options.port}\n`);
    stopOnSignals(() => exitEventLoop());
  });
  return EXIT.ok;
}
