/**
 * One HTTP/1.1 client connection: a cl-async socket, a response parser, and the requests
 * sent on it and not yet answered (several when pipelining). It moves request bytes out and
 * response events in; it knows nothing of redirects, cookies or bodies as values.
 *
 * Its owner (the pool) learns two things: the connection is free again (`onFree`), or it
 * closed (`onClosed`, with the requests it leaves unanswered).
 */
import { EventInfo, HttpEof, HttpError, HttpParseError, SocketEof } from '../errors';
import { ref, unref } from '../event-loop';
import { AsyncSocket } from '../socket';
import { tcpConnect } from '../tcp';
import { tcpSslConnect, TlsOptions } from '../tls';
import type { HeaderList } from './headers';
import { ResponseHead, ResponseParser } from './parser';
import { ConnectTunnel, TunnelTarget } from './tunnel';
import { httpConditionOf } from './conditions';
import type { WireOptions } from './wire';

/** Where to connect: the pool keeps one set of connections per distinct `key`. */
export interface Origin {
  protocol: 'http:' | 'https:';
  /** Host to connect to (an IPv6 address without brackets). */
  host: string;
  port: number;
  /** TLS settings for `https:` (SNI name, CA, verification). */
  tls?: TlsOptions & { servername?: string };
  /** Reach the server through this CONNECT tunnel (`host:port` is then the proxy). */
  tunnel?: TunnelTarget;
  key: string;
}

/** A request body, ready for the wire. Strings are UTF-8. */
export type RequestBody = Buffer | AsyncIterable<Uint8Array | string>;

/** How the request's caller hears about its response. */
export interface DispatchHandler {
  /** An interim 1xx response (100, 103…); the final one follows. */
  onInformational?(head: ResponseHead): void;
  onHeaders(head: ResponseHead, connection: HttpConnection): void;
  /** A body slice; return false to stop reading until `connection.resume()`. */
  onData(chunk: Buffer): boolean;
  onComplete(trailers: HeaderList | null): void;
  /** Called at most once, and never after `onComplete`. */
  onError(err: Error): void;
}

/** One request on its way through a connection. */
export interface Dispatch {
  method: string;
  /** Request line, header fields and the blank line. */
  head: string;
  body: RequestBody | null;
  /** Frame `body` with the chunked transfer coding. */
  chunked: boolean;
  /** Safe to send again on another connection (method and a replayable body). */
  idempotent: boolean;
  /** The request asked the server to close (`Connection: close`). */
  close: boolean;
  /** Seconds; none or 0 means no timeout. */
  readTimeout?: number | null;
  writeTimeout?: number | null;
  handler: DispatchHandler;
  /** @internal the connection it was sent on */
  connection?: HttpConnection;
  /** @internal never send it again (it was retried once, or aborted) */
  noRetry?: boolean;
}

export interface ConnectionOptions extends WireOptions {
  /** Seconds to establish the connection (TLS handshake included). */
  connectionTimeout?: number | null;
}

export interface ConnectionOwner {
  /** The connection answered everything it was given and can take another request. */
  onFree(connection: HttpConnection): void;
  /** The connection closed; `unanswered` lists the requests it will never answer. */
  onClosed(connection: HttpConnection, unanswered: Dispatch[], error: Error): void;
}

const CRLF = '\r\n';
/** Wait for `drain` once this much request body is buffered (Node's own default high-water mark). */
const WRITE_HIGH_WATER = 64 * 1024;
const LAST_CHUNK = '0\r\n\r\n';

export class HttpConnection {
  readonly socket: AsyncSocket;
  readonly origin: Origin;
  /** Requests sent (or being sent) whose response has not completed, oldest first. */
  private readonly queue: Dispatch[] = [];
  /** Requests waiting for the one being written to finish its body. */
  private readonly unsent: Dispatch[] = [];
  private writing: Dispatch | null = null;
  private readonly parser: ResponseParser;
  private readonly owner: ConnectionOwner;
  private connected = false;
  private closed = false;
  /** Bytes of the head-of-queue response have arrived. */
  private answering = false;
  private trailers: HeaderList | null = null;
  /** Responses completed on this connection. */
  private completed = 0;
  private mustClose = false;
  /** Unref'd with the keep-alive timeout (`park`), until the next request. */
  private parked = false;
  /** The parser paused after a response that left nothing outstanding (see `onMessageComplete`). */
  private caughtUp = false;
  /** The read and write timeouts the socket runs with, so an unchanged pair is not set again. */
  private readTimeout: number | null | undefined = undefined;
  private writeTimeout: number | null | undefined = undefined;

  constructor(origin: Origin, owner: ConnectionOwner, options: ConnectionOptions = {}) {
    this.origin = origin;
    this.owner = owner;
    this.parser = new ResponseParser(this, {
      lenient: options.lenient,
      maxHeaderSize: options.maxHeaderSize,
      allowUnsolicited: false,
    });
    const socketOptions = {
      eventCb: this.onEvent,
      connectCb: this.onConnect,
      readTimeout: options.connectionTimeout,
    };
    const tunnel = origin.tunnel;
    this.socket =
      origin.protocol === 'https:'
        ? tcpSslConnect(origin.host, origin.port, this.onRead, {
            ...socketOptions,
            ...origin.tls,
            transport: tunnel && ((address: string, port: number) => new ConnectTunnel(address, port, tunnel)),
          })
        : tcpConnect(origin.host, origin.port, this.onRead, socketOptions);
  }

  /** Requests on this connection that have not been answered yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** True while the connection may carry another request after the current ones. */
  get reusable(): boolean {
    return !this.closed && !this.mustClose;
  }

  /** Send a request. Writes go out in order; responses come back in the same order. */
  send(d: Dispatch): void {
    d.connection = this;
    if (this.queue.length === 0) this.activate(d);
    this.queue.push(d);
    this.parser.expectResponse(d.method);
    if (d.close) this.mustClose = true;
    if (this.writing === null) this.write(d);
    else this.unsent.push(d);
  }

  /** Stop reading: the consumer of a body is full. */
  pause(): void {
    if (!this.closed) this.socket.pause();
  }

  resume(): void {
    if (!this.closed) this.socket.resume();
  }

  /** Park an idle connection: it must not keep the loop alive, and the server's hint limits its life. */
  park(keepAliveSeconds: number): void {
    if (this.parked || this.closed || this.socket.closed) return;
    this.parked = true;
    unref(this.socket);
    this.setTimeouts(keepAliveSeconds, null);
  }

  /** Close now; unanswered requests fail with `error`. */
  destroy(error: Error): void {
    if (this.closed) return;
    this.socket.shutdown(true);
    this.closeWith(error);
  }

  // -- writing ---------------------------------------------------------------------------

  private activate(d: Dispatch): void {
    if (this.parked) {
      this.parked = false;
      ref(this.socket);
    }
    // Resetting a timer per request costs a clearTimeout and a setTimeout: skip it when unchanged.
    if (this.connected && (d.readTimeout !== this.readTimeout || d.writeTimeout !== this.writeTimeout)) {
      this.setTimeouts(d.readTimeout, d.writeTimeout);
    }
  }

  private setTimeouts(read: number | null | undefined, write: number | null | undefined): void {
    this.readTimeout = read;
    this.writeTimeout = write;
    this.socket.setTimeouts(read, write);
  }

  private write(d: Dispatch): void {
    this.writing = d;
    const socket = this.socket;
    socket.write(d.head);
    const body = d.body;
    if (body === null) return this.written();
    if (Buffer.isBuffer(body)) {
      if (d.chunked && body.length > 0) socket.write(body.length.toString(16) + CRLF);
      socket.write(body);
      if (d.chunked) socket.write(body.length > 0 ? CRLF + LAST_CHUNK : LAST_CHUNK);
      return this.written();
    }
    void this.pump(d, body);
  }

  /** Stream a body, waiting for `drain` when the socket's buffer is full. */
  private async pump(d: Dispatch, body: AsyncIterable<Uint8Array | string>): Promise<void> {
    const socket = this.socket;
    try {
      for await (const piece of body) {
        if (this.closed) return;
        const chunk = typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        if (chunk.length === 0) continue;
        if (d.chunked) socket.write(chunk.length.toString(16) + CRLF);
        socket.write(chunk);
        if (d.chunked) socket.write(CRLF);
        if (socket.bufferedAmount > WRITE_HIGH_WATER) await this.drained();
      }
      if (this.closed) return;
      if (d.chunked) socket.write(LAST_CHUNK);
      this.written();
    } catch (err) {
      if (this.closed) return;
      this.destroy(new HttpError({ code: 'CLASYNC_HTTP_BODY_ERROR', errmsg: `Request body failed: ${(err as Error).message}`, cause: err }));
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private written(): void {
    this.writing = null;
    const next = this.unsent.shift();
    if (next !== undefined) this.write(next);
  }

  // -- socket callbacks ------------------------------------------------------------------

  private readonly onConnect = (): void => {
    this.connected = true;
    const d = this.queue[0];
    this.setTimeouts(d?.readTimeout, d?.writeTimeout);
  };

  private readonly onRead = (_socket: AsyncSocket, data: Buffer): void => {
    if (this.queue.length > 0) this.answering = true;
    try {
      const used = this.parser.execute(data);
      if (this.caughtUp) this.afterCaughtUp(data.subarray(used));
    } catch (err) {
      this.destroy(err as Error);
    }
  };

  /**
   * `rest` arrived together with a response that left no request outstanding, so no request
   * can have asked for it, even one sent since from that response's callback: beyond stray
   * line ends it is an unsolicited response, and the connection is poisoned.
   */
  private afterCaughtUp(rest: Buffer): void {
    this.caughtUp = false;
    this.parser.resume();
    if (rest.length === 0 || this.closed) return;
    if (rest.every((b) => b === 13 || b === 10)) {
      this.parser.execute(rest);
      return;
    }
    throw new HttpParseError({ socket: this.socket, code: 'HPE_UNSOLICITED_RESPONSE', errmsg: 'Response received while no request is outstanding' });
  }

  private readonly onEvent = (event: EventInfo): void => {
    if (this.closed) return;
    if (event instanceof SocketEof) {
      // A body delimited by the close ends here; anything else in flight is cut short.
      try {
        this.parser.finish();
      } catch (err) {
        this.closeWith(new HttpEof({ socket: this.socket, errmsg: (err as Error).message, cause: err }));
        return;
      }
    }
    this.closeWith(httpConditionOf(event, this.socket, this.connected));
  };

  private closeWith(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    const unanswered = this.queue.splice(0);
    this.unsent.length = 0;
    this.writing = null;
    this.owner.onClosed(this, unanswered, error);
  }

  /**
   * May `d` go out again on another connection? Only when no byte of its response came and
   * the connection closing is the keep-alive race: it had answered before, or `d` was not
   * the first request on it.
   */
  retryable(d: Dispatch, index: number): boolean {
    if (!d.idempotent || d.noRetry === true) return false;
    if (index === 0 && this.answering) return false;
    return this.completed > 0 || index > 0;
  }

  // -- parser events (ResponseHandler) ---------------------------------------------------

  onInformational(head: ResponseHead): void {
    this.queue[0].handler.onInformational?.(head);
  }

  onHeaders(head: ResponseHead): void {
    const d = this.queue[0];
    if (head.framing === 'upgrade') {
      this.destroy(new HttpError({ socket: this.socket, code: 'CLASYNC_HTTP_UNEXPECTED_UPGRADE', errmsg: `Unexpected ${head.status} response: the connection changed protocol` }));
      return;
    }
    if (!head.keepAlive) this.mustClose = true;
    this.trailers = null;
    d.handler.onHeaders(head, this);
  }

  onBody(chunk: Buffer): void {
    if (!this.queue[0].handler.onData(chunk)) this.pause();
  }

  onTrailers(trailers: HeaderList): void {
    this.trailers = trailers;
  }

  onMessageComplete(): void {
    const d = this.queue.shift()!;
    this.completed++;
    this.answering = false;
    if (this.queue.length === 0) {
      // Stop at this response's end, before a request made from its callbacks goes out.
      this.caughtUp = true;
      this.parser.pause();
    }
    // Free the connection before the caller hears of the response, so a request it makes
    // from its callback can reuse it.
    if (this.queue.length > 0) this.activate(this.queue[0]);
    else if (this.mustClose) this.retire();
    else this.owner.onFree(this);
    d.handler.onComplete(this.trailers);
  }

  /** The server closes after this response: let our side go once our writes are out. */
  private retire(): void {
    this.closed = true;
    this.socket.shutdown(false);
    this.owner.onClosed(this, [], new HttpEof({ socket: this.socket }));
  }
}
