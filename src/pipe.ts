/**
 * Unix-domain socket pipes (`src/pipe.lisp`): the same sockets and servers as TCP, opened
 * on a path. A missing path is `StreamishEnoent` to the socket's `eventCb`.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { constants } from 'node:os';
import { AsyncIoStream } from './async-stream';
import { currentLoop, EventCb, EventLoop } from './event-loop';
import { conditionFromStatus } from './node-errors';
import {
  AsyncSocket,
  beginConnect,
  DEFAULT_BACKLOG,
  initSocket,
  ServerInit,
  ServerOptions,
  SocketOptions,
  SocketReadCb,
  SocketServer,
  socketOrStream,
  StreamReadCb,
} from './socket';
import { AnyReadCb } from './streamish';
import { withEventCb } from './tcp';

export class PipeServer extends SocketServer {
  /** @internal */
  constructor(
    loop: EventLoop,
    init: ServerInit,
    readonly path: string,
  ) {
    super(loop, init);
  }
}

/** Connect to the pipe at `path`; same callbacks and options as `tcpConnect`. */
export function pipeConnect(path: string, readCb: StreamReadCb | null, options: SocketOptions & { stream: true }): AsyncIoStream;
export function pipeConnect(path: string, readCb: SocketReadCb | null, options?: SocketOptions): AsyncSocket;
export function pipeConnect(path: string, readCb: SocketReadCb | null, eventCb?: EventCb | null, options?: SocketOptions): AsyncSocket;
export function pipeConnect(
  path: string,
  readCb: AnyReadCb | null,
  a?: EventCb | SocketOptions | null,
  b?: SocketOptions,
): AsyncSocket | AsyncIoStream {
  const options = withEventCb(a, b);
  const socket = initSocket('pipe', readCb, options);
  beginConnect(socket);
  socket._attach(net.connect({ path }), 'connect');
  return socketOrStream(socket, options);
}

/**
 * Listen on the pipe `path`. A path that exists already throws `SocketAddressInUse` here;
 * other bind failures (a missing directory, permissions) come through the loop.
 */
export function pipeServer(path: string, readCb: StreamReadCb | null, options: ServerOptions & { stream: true }): PipeServer;
export function pipeServer(path: string, readCb: SocketReadCb | null, options?: ServerOptions): PipeServer;
export function pipeServer(path: string, readCb: StreamReadCb | null, eventCb: EventCb | null, options: ServerOptions & { stream: true }): PipeServer;
export function pipeServer(path: string, readCb: SocketReadCb | null, eventCb?: EventCb | null, options?: ServerOptions): PipeServer;
export function pipeServer(
  path: string,
  readCb: AnyReadCb | null,
  a?: EventCb | ServerOptions | null,
  b?: ServerOptions,
): PipeServer {
  const options = withEventCb(a, b);
  const loop = currentLoop();
  if (existsSync(path)) {
    throw conditionFromStatus(-constants.errno.EADDRINUSE, 'listen', { addr: path });
  }
  const server = net.createServer();
  const pipe = new PipeServer(loop, { kind: 'pipe-server', server, socketKind: 'pipe', readCb, options }, path);
  server.listen({ path, backlog: options.backlog != null && options.backlog > 0 ? options.backlog : DEFAULT_BACKLOG });
  return pipe;
}
