/**
 * Socket events as the HTTP conditions a request fails with: one mapping for the client
 * connection and the 2012 stream client.
 */
import { EventInfo, HttpEof, HttpRefused, HttpTimeout, SocketEof, SocketRefused, SocketReset, SocketTimeout } from '../errors';

/**
 * `SocketTimeout` → `HttpTimeout` (`CLASYNC_HTTP_CONNECT_TIMEOUT` before the connection was
 * up), `SocketRefused` → `HttpRefused`, EOF and reset → `HttpEof` (`ECONNRESET` for a reset);
 * DNS, TLS and parse failures keep their own condition.
 */
export function httpConditionOf(event: EventInfo, socket: unknown, connected: boolean): EventInfo {
  const cause = event;
  if (event instanceof SocketTimeout) {
    return connected
      ? new HttpTimeout({ socket, errmsg: 'HTTP read or write timed out', cause })
      : new HttpTimeout({ socket, code: 'CLASYNC_HTTP_CONNECT_TIMEOUT', errmsg: 'HTTP connection timed out', cause });
  }
  if (event instanceof SocketRefused) return new HttpRefused({ socket, errmsg: event.message, cause });
  if (event instanceof SocketReset) return new HttpEof({ socket, code: 'ECONNRESET', errmsg: 'Connection reset by peer', cause });
  if (event instanceof SocketEof) return new HttpEof({ socket, cause });
  return event;
}
