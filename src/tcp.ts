/**
 * TCP (`src/tcp.lisp`): `tcpConnect`, `tcpServer` and the 2012 forms. Host names resolve
 * through `dnsLookup` (IPv4, as cl-async v0.6); DNS errors go to the socket's `eventCb`.
 */
import net from 'node:net';
import { AsyncIoStream } from './async-stream';
import { DnsError, EventError } from './errors';
import { dnsLookup } from './dns';
import { currentLoop, EventCb, EventLoop } from './event-loop';
import { conditionFromStatus } from './node-errors';
import {
  AsyncSocket,
  beginConnect,
  Connector,
  DEFAULT_BACKLOG,
  initSocket,
  ServerInit,
  ServerOptions,
  SocketKind,
  SocketOptions,
  SocketOrStream,
  SocketReadCb,
  SocketServer,
  socketOf,
  socketOrStream,
  StreamReadCb,
} from './socket';
import { AnyReadCb } from './streamish';

export type ConnectOptions = SocketOptions;
export type StreamConnectOptions = SocketOptions & { stream: true };

/** `(…, eventCb, opts)` (2012) or `(…, opts)` (v0.6) → one options object. @internal */
export function withEventCb<O extends { eventCb?: EventCb | null }>(a: EventCb | O | null | undefined, b: O | undefined): O {
  if (typeof a === 'function') return { ...b, eventCb: a } as O;
  return (a ?? b ?? {}) as O;
}

const tcpConnector: Connector = {
  readyEvent: 'connect',
  open: (address, port) => net.connect({ host: address, port }),
};

/**
 * A socket configured for `tcpConnect` but not connected (`connectTcpSocket` does that).
 * Returns the socket, or its stream with `stream: true`.
 */
export function initTcpSocket(readCb: StreamReadCb | null, options: StreamConnectOptions): AsyncIoStream;
export function initTcpSocket(readCb: SocketReadCb | null, options?: ConnectOptions): AsyncSocket;
export function initTcpSocket(readCb: StreamReadCb | null, eventCb: EventCb | null, options: StreamConnectOptions): AsyncIoStream;
export function initTcpSocket(readCb: SocketReadCb | null, eventCb?: EventCb | null, options?: ConnectOptions): AsyncSocket;
export function initTcpSocket(
  readCb: AnyReadCb | null,
  a?: EventCb | ConnectOptions | null,
  b?: ConnectOptions,
): AsyncSocket | AsyncIoStream {
  const options = withEventCb(a, b);
  return socketOrStream(makeSocket('tcp', tcpConnector, readCb, options), options);
}

/** @internal */
export function makeSocket(kind: SocketKind, connector: Connector, readCb: AnyReadCb | null, options: SocketOptions): AsyncSocket {
  const socket = initSocket(kind, readCb, options);
  socket.connector = connector;
  return socket;
}

/** Connect a socket made by `initTcpSocket` (or `initTcpSslSocket`). Returns its argument. */
export function connectTcpSocket<T extends SocketOrStream>(
  target: T,
  host: string,
  port: number,
  options: { eventCb?: EventCb | null } = {},
): T {
  const socket = socketOf(target);
  if (typeof options.eventCb === 'function') socket.eventCb = options.eventCb;
  const connector = socket.connector ?? tcpConnector;
  beginConnect(socket);
  dnsLookup(
    host,
    (address) => {
      if (socket._wantsConnection) socket._attach(connector.open(address, port, host), connector.readyEvent);
    },
    { eventCb: (ev: unknown) => dnsFailed(socket, ev) },
  );
  return target;
}

function dnsFailed(socket: AsyncSocket, ev: unknown): void {
  // The condition concerns the socket too (DESIGN §5).
  if (ev instanceof DnsError) Object.assign(ev, { socket, streamish: socket });
  socket._fail(ev instanceof EventError ? ev : new DnsError({ errmsg: String(ev), cause: ev }));
}

/**
 * Connect to `host:port`. `readCb(socket, bytes)` per chunk read (with `stream: true`,
 * `readCb(socket, stream)` and the stream is returned). Events (EOF, refused, reset,
 * timeout, DNS failure) close the socket and reach `eventCb` once, on a later turn.
 */
export function tcpConnect(host: string, port: number, readCb: StreamReadCb | null, options: StreamConnectOptions): AsyncIoStream;
export function tcpConnect(host: string, port: number, readCb: SocketReadCb | null, options?: ConnectOptions): AsyncSocket;
export function tcpConnect(host: string, port: number, readCb: StreamReadCb | null, eventCb: EventCb | null, options: StreamConnectOptions): AsyncIoStream;
export function tcpConnect(host: string, port: number, readCb: SocketReadCb | null, eventCb?: EventCb | null, options?: ConnectOptions): AsyncSocket;
export function tcpConnect(
  host: string,
  port: number,
  readCb: AnyReadCb | null,
  a?: EventCb | ConnectOptions | null,
  b?: ConnectOptions,
): AsyncSocket | AsyncIoStream {
  const options = withEventCb(a, b);
  const socket = makeSocket('tcp', tcpConnector, readCb, options);
  connectTcpSocket(socket, host, port);
  return socketOrStream(socket, options);
}

/** The 2012 `tcp-send`: `tcpConnect` with the data to send first. */
export function tcpSend(
  host: string,
  port: number,
  data: string | Uint8Array | null,
  readCb: SocketReadCb | null,
  eventCb?: EventCb | null,
  options: ConnectOptions = {},
): AsyncSocket | AsyncIoStream {
  return tcpConnect(host, port, readCb, { ...options, eventCb, data });
}

// ---------------------------------------------------------------------------------------
// Servers

export interface TcpServerOptions extends ServerOptions {
  /**
   * @internal Bind through Node's public, asynchronous `listen` even when a synchronous
   * bind is possible (tests use it to exercise the fallback).
   */
  asyncBind?: boolean;
}

export class TcpServer extends SocketServer {
  private readonly requestedPort: number;

  /** @internal */
  constructor(loop: EventLoop, init: ServerInit, requestedPort: number) {
    super(loop, init);
    this.requestedPort = requestedPort;
  }

  /** The bound port (known when `tcpServer` returns, unless it had to bind asynchronously). */
  get port(): number {
    const address = this.c.address();
    return typeof address === 'object' && address !== null ? address.port : this.requestedPort;
  }

  get address(): string | undefined {
    const address = this.c.address();
    return typeof address === 'object' && address !== null ? address.address : undefined;
  }
}

/**
 * Listen on `bindAddress:port` (null: every IPv4 address; port 0: the kernel picks).
 * `readCb` and `eventCb` are copied onto each accepted connection; `connectCb` runs before
 * its first read. An address in use throws `SocketAddressInUse` here.
 */
export function tcpServer(bindAddress: string | null, port: number, readCb: StreamReadCb | null, options: TcpServerOptions & { stream: true }): TcpServer;
export function tcpServer(bindAddress: string | null, port: number, readCb: SocketReadCb | null, options?: TcpServerOptions): TcpServer;
export function tcpServer(bindAddress: string | null, port: number, readCb: StreamReadCb | null, eventCb: EventCb | null, options: TcpServerOptions & { stream: true }): TcpServer;
export function tcpServer(bindAddress: string | null, port: number, readCb: SocketReadCb | null, eventCb?: EventCb | null, options?: TcpServerOptions): TcpServer;
export function tcpServer(
  bindAddress: string | null,
  port: number,
  readCb: AnyReadCb | null,
  a?: EventCb | TcpServerOptions | null,
  b?: TcpServerOptions,
): TcpServer {
  const options = withEventCb(a, b);
  return listenTcp(net.createServer(), 'tcp-server', 'tcp', bindAddress, port, readCb, options);
}

/** Bind and listen a Node server (plain or TLS) as a `TcpServer`. @internal */
export function listenTcp(
  server: net.Server,
  kind: string,
  socketKind: SocketKind,
  bindAddress: string | null,
  port: number,
  readCb: AnyReadCb | null,
  options: TcpServerOptions,
  acceptEvent?: string,
): TcpServer {
  const loop = currentLoop();
  const host = bindAddress ?? '0.0.0.0';
  const backlog = options.backlog != null && options.backlog > 0 ? options.backlog : DEFAULT_BACKLOG;
  const handle = options.asyncBind ? null : bindSync(host, port, backlog);
  const tcpServer = new TcpServer(loop, { kind, server, socketKind, readCb, options, acceptEvent }, port);
  if (handle !== null) server.listen(handle, backlog);
  else server.listen(port, host, backlog);
  return tcpServer;
}

// ---------------------------------------------------------------------------------------
// Binding at once

/** The parts of Node's internal TCP handle used to bind synchronously. */
interface RawTcpHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  getsockname(out: { port?: number }): number;
  close(): void;
}

interface TcpWrap {
  TCP: new (type: number) => RawTcpHandle;
  constants: { SERVER: number };
}

/**
 * Node's `server.listen(port, host)` binds on a later turn (it looks the host up first), so
 * a taken port could not be reported at the call. Node's own TCP handle binds at once, and
 * `server.listen(handle)` accepts it; it is not public API, so it is feature-checked, and
 * without it servers bind through `listen` (bind errors then come through the loop).
 */
const tcpWrap: TcpWrap | null = (() => {
  try {
    const binding = (process as unknown as { binding(name: string): Partial<TcpWrap> }).binding('tcp_wrap');
    const proto = binding.TCP?.prototype as Partial<RawTcpHandle> | undefined;
    if (typeof binding.constants?.SERVER !== 'number' || typeof proto?.bind !== 'function' || typeof proto.listen !== 'function') {
      return null;
    }
    return binding as TcpWrap;
  } catch {
    return null;
  }
})();

/** A listening handle for a literal IP, or null to use the asynchronous path. Throws bind errors. */
function bindSync(host: string, port: number, backlog: number): RawTcpHandle | null {
  const family = net.isIP(host);
  if (tcpWrap === null || family === 0) return null;
  const handle = new tcpWrap.TCP(tcpWrap.constants.SERVER);
  let status = family === 4 ? handle.bind(host, port) : handle.bind6(host, port, 0);
  let syscall = 'bind';
  if (status === 0) {
    syscall = 'listen';
    status = handle.listen(backlog);
  }
  if (status !== 0) {
    handle.close();
    throw conditionFromStatus(status, syscall, { addr: host, port });
  }
  return handle;
}

/** Stop listening (idempotent); open connections stay open and the loop waits for them. */
export function closeTcpServer(server: SocketServer): void {
  server.close();
}

/** The 2012 accessor: has `closeTcpServer` run? */
export function tcpServerClosed(server: SocketServer): boolean {
  return server.closed;
}
