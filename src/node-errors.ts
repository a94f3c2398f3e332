/**
 * The one place where an error from Node (a system errno, a TLS failure) becomes a
 * cl-async condition. `errcode` is libuv's negative errno when Node has one, else -1.
 */
import { constants } from 'node:os';
import { getSystemErrorName } from 'node:util';
import {
  EventError,
  HandleConditionOptions,
  SocketAborted,
  SocketAddressInUse,
  SocketError,
  SocketRefused,
  SocketReset,
  SocketTimeout,
  StreamishBrokenPipe,
  StreamishCanceled,
  StreamishEnoent,
  StreamishError,
  TcpSslError,
} from './errors';

type ConditionClass = new (options: HandleConditionOptions) => EventError;

const BY_CODE: Record<string, ConditionClass> = {
  ECONNREFUSED: SocketRefused,
  ECONNRESET: SocketReset,
  ETIMEDOUT: SocketTimeout,
  EPIPE: StreamishBrokenPipe,
  ENOENT: StreamishEnoent,
  ECONNABORTED: SocketAborted,
  EADDRINUSE: SocketAddressInUse,
  ECANCELED: StreamishCanceled,
};

/** libuv's numbers, for conditions we make ourselves (timeouts, EOF). */
export const UV_ETIMEDOUT = -constants.errno.ETIMEDOUT;
export const UV_EOF = -4095;

export interface NodeErrorContext {
  /** The socket, server or stream concerned (becomes `err.socket`). */
  socket?: unknown;
  /** TLS connection: an error that is not a system error is a `TcpSslError`. */
  tls?: boolean;
  /** Not a socket (a generic streamish): unknown errors are `StreamishError`. */
  streamish?: boolean;
  addr?: string;
  port?: number;
}

/** A Node error (`err.code`, `err.errno`, `err.syscall`) as a cl-async condition. */
export function conditionFromNodeError(err: NodeJS.ErrnoException, context: NodeErrorContext = {}): EventError {
  // Already a condition (raised by a transport of ours, such as a proxy tunnel): keep it.
  if (err instanceof EventError) return err;
  const code = err.code ?? 'CLASYNC_SOCKET_ERROR';
  const options = {
    socket: context.socket,
    code,
    errcode: typeof err.errno === 'number' ? err.errno : -1,
    errmsg: err.message,
    cause: err,
    addr: context.addr,
    port: context.port,
  };
  const known = BY_CODE[code];
  if (known) return new known(options);
  // Handshake and verification failures carry OpenSSL's reason, never a syscall.
  if (context.tls && err.syscall === undefined) return new TcpSslError(options);
  return context.streamish ? new StreamishError(options) : new SocketError(options);
}

/** A negative libuv status returned by a raw handle call (`bind`, `listen`) as a condition. */
export function conditionFromStatus(status: number, syscall: string, context: NodeErrorContext = {}): EventError {
  const code = getSystemErrorName(status);
  const where = context.addr === undefined ? '' : ` ${context.addr}${context.port === undefined ? '' : `:${context.port}`}`;
  const err: NodeJS.ErrnoException = new Error(`${syscall} ${code}${where}`);
  err.code = code;
  err.errno = status;
  err.syscall = syscall;
  return conditionFromNodeError(err, context);
}
