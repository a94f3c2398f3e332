/**
 * Sockets and socket servers (`src/socket.lisp`), one implementation for every transport:
 * TCP, Unix pipes and TLS differ only in how the Node socket is opened (`tcp.ts`,
 * `pipe.ts`, `tls.ts`).
 */
import type { Server as NodeServer, Socket as NodeSocket } from 'node:net';
import { AsyncIoStream, AsyncStream } from './async-stream';
import { EventError, EventInfo, SocketAcceptError, SocketClosed, SocketEof } from './errors';
import { currentLoop, EventCb, EventLoop } from './event-loop';
import { LoopHandle } from './handle';
import { conditionFromNodeError, UV_EOF } from './node-errors';
import {
  AnyReadCb,
  Bytes,
  Streamish,
  StreamishOptions,
  streamishWrite,
  StreamishWriteOptions,
  toBuffer,
} from './streamish';

export type SocketKind = 'tcp' | 'pipe' | 'tls';
/** The socket functions take a socket or any stream over one. */
export type SocketOrStream = AsyncSocket | AsyncStream<AsyncSocket>;
export type Direction = 'in' | 'out';

/** `readCb(socket, bytes)`: one call per chunk read. */
export type SocketReadCb = (socket: AsyncSocket, data: Buffer) => void;
/** With `stream: true`: `readCb(socket, stream)` each time bytes were added to the stream. */
export type StreamReadCb = (socket: AsyncSocket, stream: AsyncIoStream) => void;
export type SocketWriteCb = (socket: AsyncSocket) => void;
export interface SocketOptions {
  eventCb?: EventCb | null;
  connectCb?: ((socket: never) => void) | null;
  writeCb?: SocketWriteCb | null;
  /** Written as soon as the socket is connected (string is UTF-8). */
  data?: Bytes | null;
  /** Return an `AsyncIoStream`; `readCb` gets `(socket, stream)`. */
  stream?: boolean;
  /** Seconds without a read before `SocketTimeout` (fractions allowed; -1 or none: never). */
  readTimeout?: number | null;
  /** Seconds without write progress, while output is pending, before `SocketTimeout`. */
  writeTimeout?: number | null;
  /** Buffer reads in the stream instead of handing them to `readCb` (default: `stream`). */
  dontDrainReadBuffer?: boolean;
}

/** How a transport opens its Node socket once the peer's address is known. */
export interface Connector {
  /** The Node event after which the socket can carry data. */
  readonly readyEvent: 'connect' | 'secureConnect';
  open(address: string, port: number, host: string): NodeSocket;
}

const COUNTER = {
  in: 'incomingTcpConnections',
  out: 'outgoingTcpConnections',
} as const;

/** A socket: TCP, Unix pipe or TLS (`kind`), outgoing or accepted (`direction`). */
export class AsyncSocket extends Streamish {
  declare readonly kind: SocketKind;
  readonly direction: Direction;
  connectCb: ((target: never) => void) | null;
  /** The stream asked for with `stream: true` (what `connectCb` receives then). */
  stream: AsyncIoStream | null = null;
  /** How to open the connection (`connectTcpSocket`). @internal */
  connector: Connector | null = null;
  /** The server that accepted it. @internal */
  server: SocketServer | null = null;
  private counted = false;
  /**
   * The peer, noted when the socket shuts: events reach `eventCb` after that, and a destroyed
   * Node socket no longer knows its peer. (Noted then rather than on connecting, which would
   * cost every open connection a `getpeername` and the objects Node keeps from it.)
   */
  private peer: { address?: string; port?: number } | null = null;

  constructor(loop: EventLoop, kind: SocketKind, direction: Direction, options: StreamishOptions & SocketOptions, active: boolean) {
    super(loop, kind, options, active);
    this.direction = direction;
    this.connectCb = options.connectCb ?? null;
  }

  /**
   * The peer's address (`socket-address`) over TCP: undefined until connected, kept after close
   * (unless a reset took the Node socket down before anyone asked).
   */
  get remoteAddress(): string | undefined {
    return this.peer === null ? this.c?.remoteAddress : this.peer.address;
  }

  get remotePort(): number | undefined {
    return this.peer === null ? this.c?.remotePort : this.peer.port;
  }

  /** Count the connection in `stats()` (TCP and TLS), until it closes. @internal */
  _count(): void {
    if (this.kind === 'pipe' || this.counted) return;
    this.counted = true;
    this.loop.counters[COUNTER[this.direction]]++;
  }

  protected override onConnected(): void {
    const connectCb = this.connectCb as ((target: SocketOrStream) => void) | null;
    if (connectCb !== null) this.loop.invoke(this.eventCb, connectCb, this.stream ?? this);
  }

  protected override onShut(): void {
    const c = this.c;
    if (c !== null) this.peer = { address: c.remoteAddress, port: c.remotePort };
    this.server?._released();
    this.server = null;
    if (!this.counted) return;
    this.counted = false;
    this.loop.counters[COUNTER[this.direction]]--;
  }

  protected override eofCondition(): EventInfo {
    return new SocketEof({ socket: this, errcode: UV_EOF, errmsg: 'Peer closed the connection' });
  }

  protected override nodeErrorCondition(err: NodeJS.ErrnoException): EventError {
    return conditionFromNodeError(err, { socket: this, tls: this.kind === 'tls' });
  }

  protected override closedCondition(): SocketClosed {
    return new SocketClosed({ socket: this, errmsg: 'Trying to operate on a closed socket' });
  }
}

// ---------------------------------------------------------------------------------------
// Making and connecting sockets (shared by tcp.ts, pipe.ts, tls.ts)

/**
 * A new, unconnected outgoing socket with the options applied; `data` is queued. Returns
 * the socket, or its stream with `stream: true`.
 * @internal
 */
export function initSocket(kind: SocketKind, readCb: AnyReadCb | null, options: SocketOptions): AsyncSocket {
  const loop = currentLoop();
  const streamMode = options.stream === true;
  const socket = new AsyncSocket(
    loop,
    kind,
    'out',
    { ...options, readCb, drainReadBuffer: !(options.dontDrainReadBuffer ?? streamMode) },
    false,
  );
  if (streamMode || !socket.drainReadBuffer) socket.stream = new AsyncIoStream(socket);
  if (options.readTimeout != null || options.writeTimeout != null) socket.setTimeouts(options.readTimeout, options.writeTimeout);
  if (options.data != null && options.data.length > 0) socket._send(toBuffer(options.data));
  return socket;
}

/** What the connect functions return: the stream when one was asked for. @internal */
export function socketOrStream(socket: AsyncSocket, options: SocketOptions): AsyncSocket | AsyncIoStream {
  return options.stream === true ? socket.stream! : socket;
}

/**
 * Take over an already-connected Node socket (a child process's stdio pipe, say) as a
 * cl-async socket, as cl-async's `:fd` option does. Returns the socket, or its stream with
 * `stream: true`.
 * @internal
 */
export function adoptSocket(kind: SocketKind, nodeSocket: NodeSocket, readCb: AnyReadCb | null, options: SocketOptions): AsyncSocket | AsyncIoStream {
  const socket = initSocket(kind, readCb, options);
  beginConnect(socket);
  socket._attach(nodeSocket, null);
  return socketOrStream(socket, options);
}

/** The socket of a socket or stream argument. @internal */
export function socketOf(target: SocketOrStream): AsyncSocket {
  return target instanceof AsyncStream ? target.socket : target;
}

/** Start connecting: the socket now keeps its loop alive. @internal */
export function beginConnect(socket: AsyncSocket): void {
  socket.checkOpen();
  socket.loop._setActive(socket, true);
  socket._count();
}

// ---------------------------------------------------------------------------------------
// Servers

export interface ServerOptions {
  eventCb?: EventCb | null;
  /** Runs for each accepted connection before its first `readCb`. */
  connectCb?: ((socket: never) => void) | null;
  /** Listen queue length (default 511, Node's). */
  backlog?: number | null;
  /** Each connection gets an `AsyncIoStream`; `readCb` gets `(socket, stream)`. */
  stream?: boolean;
  /** Connections beyond this many open ones are closed at accept (default: no limit). */
  maxConnections?: number | null;
  /**
   * Seconds an accepted connection may go without sending anything before `SocketTimeout`
   * closes it (slowloris protection; default: never, as in cl-async).
   */
  readTimeout?: number | null;
}

export const DEFAULT_BACKLOG = 511;

/** What a transport hands `SocketServer`. @internal */
export interface ServerInit {
  /** `dumpEventLoopStatus` name: `tcp-server`, `pipe-server`, `tls-server`. */
  kind: string;
  server: NodeServer;
  socketKind: SocketKind;
  readCb: AnyReadCb | null;
  options: ServerOptions;
  /** The Node event handing over a ready connection (`secureConnection` for TLS). */
  acceptEvent?: string;
}

/** A listening socket (`socket-server`); accepted connections are `AsyncSocket`s. */
export class SocketServer extends LoopHandle {
  readonly kind: string;
  /** cl-async's `socket-server-c`: the Node server. */
  readonly c: NodeServer;
  readonly stream: boolean;
  readCb: AnyReadCb | null;
  eventCb: EventCb | null;
  connectCb: ((socket: never) => void) | null;
  private readonly socketKind: SocketKind;
  private readonly maxConnections: number;
  private readonly readTimeout: number | null;
  /** Accepted connections still open. */
  private open = 0;

  constructor(loop: EventLoop, init: ServerInit) {
    super(loop);
    const { options } = init;
    this.kind = init.kind;
    this.c = init.server;
    this.socketKind = init.socketKind;
    this.readCb = init.readCb;
    this.eventCb = options.eventCb ?? null;
    this.connectCb = options.connectCb ?? null;
    this.stream = options.stream === true;
    this.maxConnections = options.maxConnections ?? Infinity;
    this.readTimeout = options.readTimeout ?? null;
    init.server.on(init.acceptEvent ?? 'connection', this.onConnection);
    init.server.on('error', this.onServerError);
  }

  /** An accepted connection closed. @internal */
  _released(): void {
    this.open--;
  }

  private readonly onConnection = (c: NodeSocket): void => {
    if (this.closed || this.open >= this.maxConnections) {
      c.destroy();
      return;
    }
    this.open++;
    const socket = new AsyncSocket(
      this.loop,
      this.socketKind,
      'in',
      { readCb: this.readCb, eventCb: this.eventCb, connectCb: this.connectCb, drainReadBuffer: !this.stream },
      true,
    );
    socket.server = this;
    if (this.stream) socket.stream = new AsyncIoStream(socket);
    if (this.readTimeout !== null) socket.setTimeouts(this.readTimeout, null);
    socket._count();
    socket._attach(c, null);
  };

  /**
   * Before the server listens, an error is a failed bind: raised through the loop like an
   * uncaught callback error (DESIGN §11). Afterwards it is a failed accept, for `eventCb`.
   */
  private readonly onServerError = (err: NodeJS.ErrnoException): void => {
    if (this.closed) return;
    if (this.c.listening) {
      this.loop.deliver(this.eventCb, new SocketAcceptError({ socket: this, server: this, code: err.code, errcode: err.errno, errmsg: err.message, cause: err }));
      return;
    }
    const address = (err as { address?: string }).address;
    const port = (err as { port?: number }).port;
    this.close();
    this.loop.appError(conditionFromNodeError(err, { socket: this, addr: address, port }), null);
  };

  /** A condition about the server itself (TLS handshake failures of clients). @internal */
  _event(condition: EventInfo): void {
    if (!this.closed) this.loop.deliver(this.eventCb, condition);
  }

  protected release(): void {
    // Stops listening; accepted connections stay open and keep the loop alive.
    this.c.close();
  }

  protected override nodeRef(refed: boolean): void {
    if (refed) this.c.ref();
    else this.c.unref();
  }
}

// ---------------------------------------------------------------------------------------
// cl-async's socket functions

export interface WriteSocketDataOptions extends StreamishWriteOptions {
  readCb?: AnyReadCb | null;
  writeCb?: SocketWriteCb | null;
}

/**
 * Write a string (UTF-8) or bytes to a socket (or its stream), sliced by `start`/`end`.
 * Writes of one turn leave together; before the socket connects they wait, in order.
 * Throws `SocketClosed` on a closed socket. With any callback given, the callbacks are
 * swapped and the data written on the next turn.
 */
export function writeSocketData(target: SocketOrStream, data: Bytes, options?: WriteSocketDataOptions): void {
  streamishWrite(socketOf(target), data, options);
}

/** Close a socket: flush and shut down, or with `force` drop pending output. Idempotent. */
export function closeSocket(target: SocketOrStream, options: { force?: boolean } = {}): void {
  socketOf(target).shutdown(options.force === true);
}

export function socketClosedP(target: SocketOrStream): boolean {
  return socketOf(target).closed;
}

/** Throws `SocketClosed` when the socket is closed. */
export function checkSocketOpen(target: SocketOrStream): void {
  socketOf(target).checkOpen();
}

/** Get (one argument) or set (two) the application's slot on a socket. */
export function socketData(target: SocketOrStream, ...value: [] | [unknown]): unknown {
  const socket = socketOf(target);
  if (value.length > 0) socket.data = value[0];
  return socket.data;
}

/**
 * Read and write timeouts in seconds (fractions allowed; null, 0 or -1 clear one). The read
 * timeout restarts on every read; the write timeout counts while output is pending and
 * restarts whenever a write completes. Throws `StreamishClosed` on a closed socket.
 */
export function setSocketTimeouts(
  target: SocketOrStream,
  readSeconds: number | null | undefined,
  writeSeconds: number | null | undefined,
): void {
  socketOf(target).setTimeouts(readSeconds, writeSeconds);
}

export interface EnableOptions {
  read?: boolean;
  write?: boolean;
}

/** Resume reading (`read`, the default) and/or sending (`write`: uncork). */
export function enableSocket(target: SocketOrStream, options: EnableOptions = { read: true }): void {
  const socket = socketOf(target);
  socket.checkOpen();
  if (options.read) socket.resume();
  if (options.write) socket.c?.uncork();
}

/** Pause reading (`read`, the default: data waits in the kernel) and/or sending (`write`: cork). */
export function disableSocket(target: SocketOrStream, options: EnableOptions = { read: true }): void {
  const socket = socketOf(target);
  socket.checkOpen();
  if (options.read) socket.pause();
  if (options.write) socket.c?.cork();
}

/** Stop listening (idempotent); open connections stay open. */
export function closeSocketServer(server: SocketServer): void {
  server.close();
}

export function socketServerClosedP(server: SocketServer): boolean {
  return server.closed;
}
