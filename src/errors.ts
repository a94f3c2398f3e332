/**
 * cl-async's condition hierarchy (v0.6 tree, with the 2012 names as true aliases).
 *
 * Conditions are values: a socket's `eventCb` receives one, nothing throws it at the user
 * except synchronous misuse. Every condition has a stable string `code` (Node style) and,
 * for errors, cl-async's numeric `errcode` and `errmsg`.
 *
 * Lisp has multiple inheritance (`socket-eof` is both a `streamish-eof` and a
 * `socket-error`); a class here has one real parent and may be declared a virtual child
 * of more, which `instanceof` honours.
 */

export interface ConditionOptions {
  /** Node-style string code; defaults to the class's own. */
  code?: string;
  /** cl-async's numeric code: libuv's negative errno, or -1 for cl-async-made errors. */
  errcode?: number;
  /** Human-readable message; defaults to the class's own. */
  errmsg?: string;
  cause?: unknown;
}

export interface HandleConditionOptions extends ConditionOptions {
  /** The socket, stream or other handle the condition concerns. */
  socket?: unknown;
  streamish?: unknown;
}

const virtualChildren = new WeakMap<Function, Function[]>();

/** Make `instanceof parent` true for instances of `child` (Lisp's extra superclasses). */
function alsoA(child: Function, ...parents: Function[]): void {
  for (const parent of parents) {
    const list = virtualChildren.get(parent);
    if (list) list.push(child);
    else virtualChildren.set(parent, [child]);
  }
}

const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

/** Base of every condition: something happened. Informational unless an `EventError`. */
export class EventInfo extends Error {
  static defaultCode = 'CLASYNC_EVENT_INFO';
  static defaultMessage = 'Event';

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (ordinaryInstanceOf.call(this, value)) return true;
    const extra = virtualChildren.get(this);
    return extra !== undefined && extra.some((child) => value instanceof (child as typeof EventInfo));
  }

  readonly code: string;

  constructor(options: ConditionOptions = {}) {
    const ctor = new.target as typeof EventInfo;
    super(options.errmsg ?? ctor.defaultMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = ctor.name;
    this.code = options.code ?? ctor.defaultCode;
  }
}

/** An error event: carries cl-async's numeric `errcode` and `errmsg`. */
export class EventError extends EventInfo {
  static override defaultCode = 'CLASYNC_EVENT_ERROR';
  static override defaultMessage = 'Error event';

  readonly errcode: number;
  readonly errmsg: string;

  constructor(options: ConditionOptions = {}) {
    super(options);
    this.errcode = options.errcode ?? -1;
    this.errmsg = this.message;
  }
}

/** Raised when a cl-async operation is called outside a running event loop. */
export class EventLoopNotRunning extends Error {
  readonly code = 'CLASYNC_LOOP_NOT_RUNNING';
  constructor() {
    super('Event loop not running. Start with function start-event-loop.');
    this.name = 'EventLoopNotRunning';
  }
}

/** Raised when a loop is started inside a running loop's context. */
export class EventLoopAlreadyStarted extends Error {
  readonly code = 'CLASYNC_LOOP_ALREADY_STARTED';
  constructor() {
    super('Event loop already started. Please wait for it to exit.');
    this.name = 'EventLoopAlreadyStarted';
  }
}

// ---------------------------------------------------------------------------------------
// Handles: events, notifiers

export class EventFreed extends EventError {
  static override defaultCode = 'CLASYNC_EVENT_FREED';
  static override defaultMessage = 'Freed event being operated on';
  readonly event: unknown;
  constructor(options: ConditionOptions & { event?: unknown } = {}) {
    super(options);
    this.event = options.event;
  }
}

export class NotifierFreed extends EventError {
  static override defaultCode = 'CLASYNC_NOTIFIER_FREED';
  static override defaultMessage = 'Freed notifier being operated on';
  readonly notifier: unknown;
  constructor(options: ConditionOptions & { notifier?: unknown } = {}) {
    super(options);
    this.notifier = options.notifier;
  }
}

// ---------------------------------------------------------------------------------------
// Streamish (any libuv-stream-like handle) and sockets

function handleOf(options: HandleConditionOptions): unknown {
  return options.socket ?? options.streamish;
}

export class StreamishInfo extends EventInfo {
  static override defaultCode = 'CLASYNC_STREAMISH_INFO';
  static override defaultMessage = 'Streamish event';
  readonly streamish: unknown;
  readonly socket: unknown;
  constructor(options: HandleConditionOptions = {}) {
    super(options);
    this.streamish = this.socket = handleOf(options);
  }
}

export class StreamishError extends EventError {
  static override defaultCode = 'CLASYNC_STREAMISH_ERROR';
  static override defaultMessage = 'Streamish error';
  readonly streamish: unknown;
  readonly socket: unknown;
  constructor(options: HandleConditionOptions = {}) {
    super(options);
    this.streamish = this.socket = handleOf(options);
  }
}
alsoA(StreamishError, StreamishInfo);

/** The peer finished sending. Informational for a generic streamish. */
export class StreamishEof extends StreamishInfo {
  static override defaultCode = 'CLASYNC_STREAMISH_EOF';
  static override defaultMessage = 'End of file';
}

export class StreamishEnoent extends StreamishError {
  static override defaultCode = 'ENOENT';
  static override defaultMessage = 'No such file or directory';
}

/** Operating on a closed streamish or socket (thrown synchronously). */
export class StreamishClosed extends StreamishError {
  static override defaultCode = 'CLASYNC_CLOSED';
  static override defaultMessage = 'Trying to operate on a closed streamish';
}

export class StreamishBrokenPipe extends StreamishError {
  static override defaultCode = 'EPIPE';
  static override defaultMessage = 'Broken pipe';
}

export class StreamishCanceled extends StreamishError {
  static override defaultCode = 'ECANCELED';
  static override defaultMessage = 'Operation canceled';
}

export class SocketInfo extends StreamishInfo {
  static override defaultCode = 'CLASYNC_SOCKET_INFO';
  static override defaultMessage = 'Socket event';
}

export class SocketError extends StreamishError {
  static override defaultCode = 'CLASYNC_SOCKET_ERROR';
  static override defaultMessage = 'Socket error';
}
alsoA(SocketError, SocketInfo);

/** The peer closed the connection. An error in v0.6 (it ends the socket). */
export class SocketEof extends SocketError {
  static override defaultCode = 'CLASYNC_SOCKET_EOF';
  static override defaultMessage = 'End of file';
}
alsoA(SocketEof, StreamishEof);

export class SocketReset extends SocketError {
  static override defaultCode = 'ECONNRESET';
  static override defaultMessage = 'Connection reset by peer';
}

export class SocketTimeout extends SocketError {
  static override defaultCode = 'ETIMEDOUT';
  static override defaultMessage = 'Connection timed out';
}

export class SocketRefused extends SocketError {
  static override defaultCode = 'ECONNREFUSED';
  static override defaultMessage = 'Connection refused';
}

export class SocketAborted extends SocketError {
  static override defaultCode = 'ECONNABORTED';
  static override defaultMessage = 'Connection aborted';
}

/** Binding an address that is taken. Thrown at the server call. */
export class SocketAddressInUse extends SocketError {
  static override defaultCode = 'EADDRINUSE';
  static override defaultMessage = 'Address already in use';
  readonly addr: string | undefined;
  readonly port: number | undefined;
  constructor(options: HandleConditionOptions & { addr?: string; port?: number } = {}) {
    super(options);
    this.addr = options.addr;
    this.port = options.port;
  }
}

export class SocketAcceptError extends SocketError {
  static override defaultCode = 'CLASYNC_ACCEPT_ERROR';
  static override defaultMessage = 'Error accepting a connection';
  readonly listener: unknown;
  readonly server: unknown;
  constructor(options: HandleConditionOptions & { listener?: unknown; server?: unknown } = {}) {
    super(options);
    this.listener = options.listener;
    this.server = options.server;
  }
}

/** TLS handshake or verification failure; `code` is Node's (e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`). */
export class TcpSslError extends SocketError {
  static override defaultCode = 'CLASYNC_SSL_ERROR';
  static override defaultMessage = 'SSL connection error';
}

/** `socket-closed` is the streamish condition under its socket name. */
export const SocketClosed = StreamishClosed;
export type SocketClosed = StreamishClosed;

// ---------------------------------------------------------------------------------------
// DNS and filesystem

export class DnsError extends EventError {
  static override defaultCode = 'CLASYNC_DNS_ERROR';
  static override defaultMessage = 'DNS lookup fail';
}

export class FilesystemError extends EventError {
  static override defaultCode = 'CLASYNC_FS_ERROR';
  static override defaultMessage = 'Filesystem error';
  readonly path: string | undefined;
  constructor(options: ConditionOptions & { path?: string } = {}) {
    super(options);
    this.path = options.path;
  }
}

export class FilesystemEnoent extends FilesystemError {
  static override defaultCode = 'ENOENT';
  static override defaultMessage = 'No such file or directory';
}

export class FilesystemEacces extends FilesystemError {
  static override defaultCode = 'EACCES';
  static override defaultMessage = 'Permission denied';
}

export class FilesystemEperm extends FilesystemError {
  static override defaultCode = 'EPERM';
  static override defaultMessage = 'Operation not permitted';
}

// ---------------------------------------------------------------------------------------
// HTTP

export class HttpInfo extends EventInfo {
  static override defaultCode = 'CLASYNC_HTTP_INFO';
  static override defaultMessage = 'HTTP event';
}

export class HttpError extends EventError {
  static override defaultCode = 'CLASYNC_HTTP_ERROR';
  static override defaultMessage = 'HTTP connection error';
  readonly socket: unknown;
  constructor(options: HandleConditionOptions = {}) {
    super(options);
    this.socket = handleOf(options);
  }
}
alsoA(HttpError, HttpInfo);

/** Malformed or ambiguous framing; `code` names the rule (e.g. `HPE_LF_EXPECTED`). */
export class HttpParseError extends HttpError {
  static override defaultCode = 'HPE_INVALID';
  static override defaultMessage = 'HTTP parse error';
  /** Offset in the input where the parser stopped, when known. */
  readonly offset: number | undefined;
  constructor(options: HandleConditionOptions & { offset?: number } = {}) {
    super(options);
    this.offset = options.offset;
  }
}

export class HttpTimeout extends HttpError {
  static override defaultCode = 'CLASYNC_HTTP_TIMEOUT';
  static override defaultMessage = 'HTTP connection timed out';
}

export class HttpRefused extends HttpError {
  static override defaultCode = 'ECONNREFUSED';
  static override defaultMessage = 'HTTP connection refused';
}

/** The connection closed before the response was complete. */
export class HttpEof extends HttpError {
  static override defaultCode = 'CLASYNC_HTTP_EOF';
  static override defaultMessage = 'Connection closed before the HTTP response was complete';
}

// ---------------------------------------------------------------------------------------
// The 2012 names, as true aliases so that `instanceof` works both ways.

export const TcpInfo = SocketInfo;
export type TcpInfo = SocketInfo;
export const TcpError = SocketError;
export type TcpError = SocketError;
export const TcpEof = SocketEof;
export type TcpEof = SocketEof;
export const TcpReset = SocketReset;
export type TcpReset = SocketReset;
export const TcpTimeout = SocketTimeout;
export type TcpTimeout = SocketTimeout;
export const TcpRefused = SocketRefused;
export type TcpRefused = SocketRefused;
export const TcpAcceptError = SocketAcceptError;
export type TcpAcceptError = SocketAcceptError;
export const TcpServerBindError = SocketAddressInUse;
export type TcpServerBindError = SocketAddressInUse;
