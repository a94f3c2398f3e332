/**
 * `httpClientStream` (cl-async's `future+stream` branch, Nov 2012; reference cl-async-api.md
 * §6.3): the caller writes a raw HTTP request into the returned stream; the response is read
 * off the socket, its end found by the real response parser, and `requestCb(stream)` is called
 * once with a stream holding the complete response, byte for byte as received (status line,
 * headers, body; interim 1xx responses included, as in 2012).
 *
 * It is a socket, a parser and a buffer. Fixed against 2012: header blocks and chunk-size lines
 * may be split anywhere, chunk extensions and trailers are understood, HEAD (the method is read
 * off the request line the caller writes) and 204/304 complete without a body, a body delimited
 * by the connection's close completes at EOF without a spurious `HttpEof`, a 101 or a 2xx to CONNECT
 * completes with its header section (the other protocol's bytes are not part of it, and the
 * connection is closed: this client carries no tunnels), malformed input is an
 * `HttpParseError` instead of a crash, and `https:` works (with certificate verification).
 *
 * Exactly one of `requestCb(stream)` or `eventCb(condition)` is called: `HttpTimeout`,
 * `HttpRefused`, `HttpEof` (closed before the response was complete), `HttpParseError`, or a
 * `DnsError` / `TcpSslError` as they come. The connection is closed once the response is complete.
 */
import { Readable } from 'node:stream';
import { AsyncIoStream } from '../async-stream';
import { EventInfo, HttpEof, HttpError, HttpParseError, SocketEof } from '../errors';
import { currentLoop, EventCb, EventLoop } from '../event-loop';
import type { AsyncSocket } from '../socket';
import { connectTcpSocket, initTcpSocket } from '../tcp';
import { initTcpSslSocket, TlsOptions } from '../tls';
import { httpConditionOf } from './conditions';
import { ResponseParser, type ResponseHandler } from './parser';
import { connectHost, portOf } from './url';
import type { WriteDone } from '../streamish';

export interface HttpClientStreamOptions extends TlsOptions {
  /** Seconds without a byte from the server (connecting included) before `HttpTimeout`. */
  timeout?: number | null;
  /**
   * The request method, when it cannot be read off what is written into the stream (it is
   * only needed to know that a response to HEAD has no body). Default: read, else GET.
   */
  method?: string;
  /** SNI name and the name the certificate must match (default: the URI's host). */
  servername?: string;
  /** Parser options: accept LF-only line ends and obs-fold; the largest header section. */
  lenient?: boolean;
  maxHeaderSize?: number;
}

export type HttpClientStreamCb = (stream: HttpResponseStream) => void;

/**
 * The complete response as received, ended: a Readable (it pipes, `for await` works) with
 * cl-async's non-blocking reads. `readSequence` gives the bytes, then 0.
 */
export class HttpResponseStream extends Readable {
  /** The connection the response came on (closed once the response was complete). */
  readonly socket: AsyncSocket;
  /** The response's bytes. */
  readonly bytes: Buffer;

  constructor(socket: AsyncSocket, bytes: Buffer) {
    super();
    this.socket = socket;
    this.bytes = bytes;
    if (bytes.length > 0) this.push(bytes);
    this.push(null);
  }

  /** cl-async v0.6's name for `socket`. */
  get streamish(): AsyncSocket {
    return this.socket;
  }

  /** Copy up to `end - start` bytes into `buf` at `start`; the number copied (0 at the end or after `close`). */
  readSequence(buf: Uint8Array, start = 0, end = buf.length): number {
    const want = end - start;
    // A destroyed Readable still hands out its buffer: `close` promised to drop it.
    if (want <= 0 || this.readableLength === 0 || this.destroyed) return 0;
    const chunk = this.read(Math.min(want, this.readableLength)) as Buffer | null;
    if (chunk === null) return 0;
    buf.set(chunk, start);
    return chunk.length;
  }

  /** The next byte, or `'eof'` when none is left (or after `close`). */
  readByte(): number | 'eof' {
    const chunk = this.readableLength > 0 && !this.destroyed ? (this.read(1) as Buffer | null) : null;
    return chunk === null ? 'eof' : chunk[0];
  }

  /** Close the connection (already closed after a complete response) and drop what is unread. */
  close(): void {
    this.socket.shutdown(true);
    this.destroy();
  }
}

/** The stream the caller writes the request into; it notes the request line's method. */
class RequestStream extends AsyncIoStream {
  private sniffed = '';
  private sniffing = true;

  constructor(
    socket: AsyncSocket,
    private readonly exchange: StreamExchange,
  ) {
    super(socket);
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, cb: WriteDone): void {
    this.sniff(chunk);
    super._write(chunk, encoding, cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: WriteDone): void {
    for (const { chunk } of chunks) this.sniff(chunk);
    super._writev(chunks, cb);
  }

  /** The request line starts with the method: read bytes up to its space. */
  private sniff(chunk: Buffer): void {
    if (!this.sniffing) return;
    const text = chunk.toString('latin1', 0, Math.min(chunk.length, 32 - this.sniffed.length));
    const space = text.indexOf(' ');
    this.sniffed += space === -1 ? text : text.slice(0, space);
    if (space === -1 && this.sniffed.length < 32) return;
    this.sniffing = false;
    // Stray CRLFs before a request line are allowed (RFC 9112 §2.2).
    const method = this.sniffed.replace(/^[\r\n]+/, '');
    if (/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) this.exchange.method ??= method.toUpperCase();
  }
}

/** One request/response over one connection. */
class StreamExchange implements ResponseHandler {
  method: string | undefined;
  socket!: AsyncSocket;
  private parser: ResponseParser | null = null;
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private complete = false;
  private connected = false;
  /** requestCb or eventCb has been called: nothing more happens. */
  private settled = false;

  constructor(
    private readonly loop: EventLoop,
    private readonly requestCb: HttpClientStreamCb,
    private readonly eventCb: EventCb | null,
    private readonly options: HttpClientStreamOptions,
  ) {
    this.method = options.method?.toUpperCase();
  }

  readonly onConnect = (): void => {
    this.connected = true;
  };

  readonly onRead = (_socket: AsyncSocket, data: Buffer): void => {
    if (this.settled) return;
    let parser = this.parser;
    if (parser === null) {
      parser = this.parser = new ResponseParser(this, { lenient: this.options.lenient, maxHeaderSize: this.options.maxHeaderSize });
      parser.expectResponse(this.method ?? 'GET');
    }
    let used: number;
    try {
      used = parser.execute(data);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.chunks.push(used === data.length ? data : data.subarray(0, used));
    this.received += used;
    if (this.complete) this.deliver();
  };

  readonly onEvent = (event: EventInfo): void => {
    if (this.settled) return;
    if (event instanceof SocketEof) {
      // A body delimited by the close is complete now; anything else was cut short.
      let cause: unknown = event;
      if (this.parser !== null) {
        try {
          this.parser.finish();
        } catch (err) {
          cause = err;
        }
      }
      if (this.complete) {
        this.deliver();
        return;
      }
      const errmsg = this.parser === null ? 'HTTP stream client: peer closed the connection before responding' : 'HTTP stream client: peer closed the connection before the response was complete';
      this.settle(new HttpEof({ socket: this.socket, errmsg, cause }));
      return;
    }
    // HttpParseError (from `fail`), DNS and TLS failures keep their condition.
    this.settle(httpConditionOf(event, this.socket, this.connected));
  };


  // -- the parser's events: only the end of the response matters --------------------------------

  onHeaders(): void {}

  onBody(): void {}

  onMessageComplete(): void {
    this.complete = true;
    this.parser?.pause();
  }

  onUpgrade(): void {
    // 101, or a 2xx to CONNECT: the response ends with its header section.
    this.complete = true;
  }

  // -- outcomes ---------------------------------------------------------------------------------

  private deliver(): void {
    if (this.settled) return;
    this.settled = true;
    const bytes = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.received);
    this.chunks.length = 0;
    // One response per connection: let it go (what we wrote still leaves first).
    this.socket.shutdown(false);
    this.loop.invoke(this.eventCb, this.requestCb, new HttpResponseStream(this.socket, bytes));
  }

  /** Malformed input: close the connection; the condition reaches `eventCb` on a later turn. */
  private fail(err: unknown): void {
    if (err instanceof HttpParseError) (err as { socket: unknown }).socket = this.socket;
    this.socket._fail(err instanceof HttpError ? err : new HttpError({ socket: this.socket, errmsg: String(err), cause: err }));
  }

  private settle(condition: unknown): void {
    this.settled = true;
    this.loop.deliver(this.eventCb, condition);
  }
}

/**
 * Connect to `uri` (`http:` or `https:`) and return the stream to write the raw request into
 * (writes made before the connection is up wait, in order). `requestCb(stream)` gets the
 * complete response; `eventCb(condition)` a failure.
 */
export function httpClientStream(
  uri: string | URL,
  requestCb: HttpClientStreamCb,
  eventCb?: EventCb | null,
  options: HttpClientStreamOptions = {},
): AsyncIoStream {
  const loop = currentLoop();
  let url: URL;
  try {
    url = new URL(typeof uri === 'string' ? uri : uri.href);
  } catch (err) {
    throw new HttpError({ code: 'ERR_INVALID_URL', errmsg: `Invalid URL: ${String(uri)}`, cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpError({ code: 'ERR_INVALID_URL_SCHEME', errmsg: `Unsupported URL scheme ${url.protocol} (only http: and https:)` });
  }
  const exchange = new StreamExchange(loop, requestCb, eventCb ?? null, options);
  const socketOptions = {
    eventCb: exchange.onEvent,
    connectCb: exchange.onConnect,
    readTimeout: options.timeout ?? null,
  };
  const socket =
    url.protocol === 'https:'
      ? (initTcpSslSocket(exchange.onRead, { ...socketOptions, ...tlsOptions(options) }) as AsyncSocket)
      : initTcpSocket(exchange.onRead, socketOptions);
  exchange.socket = socket;
  const stream = new RequestStream(socket, exchange);
  socket.stream = stream;
  loop.counters.outgoingHttpConnections++;
  socket.once('close', () => loop.counters.outgoingHttpConnections--);
  connectTcpSocket(socket, connectHost(url), portOf(url));
  return stream;
}

function tlsOptions(options: HttpClientStreamOptions): TlsOptions & { servername?: string } {
  const { certificate, key, password, ca, verify, ciphers, servername } = options;
  return { certificate, key, password, ca, verify, ciphers, servername };
}
