/**
 * `httpRequest`: Drakma's `http-request` (as drakma-async made it asynchronous) on our own
 * sockets, parser and pool. The Future finishes with Drakma's seven values:
 * `(body, status, headers, uri, stream, mustClose, reasonPhrase)`.
 *
 * Unlike drakma-async it streams: with `wantStream` the Future finishes when the headers
 * arrive and the body is a Readable with back-pressure on the socket.
 */
import { Readable, Transform } from 'node:stream';
import { HttpError, HttpTimeout } from '../errors';
import { currentLoop, EventLoop } from '../event-loop';
import { Future, finish, makeFuture, signalError } from '../future/future';
import { PendingOperation } from '../handle';
import type { AsyncSocket } from '../socket';
import type { TlsOptions } from '../tls';
import type { Dispatch, DispatchHandler, HttpConnection, Origin } from './connection';
import { charsetOf, decodeText, decodingStream, isTextContentType } from './content';
import { CookieJar } from './cookies';
import { appendQuery, basicAuthorization, FormFields, Parameters } from './form';
import { HeaderList, headerValue } from './headers';
import type { ResponseHead } from './parser';
import { OriginPool, poolFor, PoolOptions } from './pool';
import { Content, parametersInBody, PreparedBody, prepareBody } from './request-body';
import {
  connectHost,
  crossOrigin,
  hostHeader,
  portOf,
  REDIRECT_STATUSES,
  redirectHeaders,
  redirectPolicy,
  refererFor,
  requestTarget,
  resolveRedirect,
} from './url';

export interface HttpRequestOptions extends PoolOptions, TlsOptions {
  /** `GET` (default), `POST`, `HEAD`… */
  method?: string;
  /** `HTTP/1.1` (default) or `HTTP/1.0`. */
  protocol?: 'HTTP/1.1' | 'HTTP/1.0';
  /** Query parameters (GET, HEAD…) or the form body (POST, PUT, PATCH), as pairs or an object. */
  parameters?: Parameters | FormFields | null;
  content?: Content | null;
  /** Default `application/x-www-form-urlencoded`, sent only with a body. */
  contentType?: string | null;
  /** Body length; `null` sends a stream body chunked. */
  contentLength?: number | null;
  /** Send `parameters` as `multipart/form-data`. */
  formData?: boolean;
  cookieJar?: CookieJar | null;
  basicAuthorization?: readonly [string, string] | null;
  /** `null` sends no User-Agent. */
  userAgent?: string | null;
  accept?: string | null;
  /** `[first, last]` byte positions (inclusive): `Range: bytes=first-last`. */
  range?: readonly [number, number] | null;
  /** Extra header fields, an object or `[name, value]` pairs; they replace defaults of the same name. */
  additionalHeaders?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]> | null;
  /** Redirects to follow (default 5); `false` or 0 returns the 3xx itself. */
  redirect?: number | boolean;
  /** Send `Referer` when following a redirect. */
  autoReferer?: boolean;
  /** Send `Connection: keep-alive` (meaningful for HTTP/1.0). */
  keepAlive?: boolean;
  /** Send `Connection: close`: the connection is not reused. */
  close?: boolean;
  /** Finish at the headers; the body is the first value, a Readable. */
  wantStream?: boolean;
  /** Always give the body as a Buffer. */
  forceBinary?: boolean;
  /** Ask for and undo gzip, deflate and br. */
  decodeContent?: boolean;
  /**
   * An HTTP proxy: `'host'`, `'host:port'` or `[host, port]` (port 80 by default). `http:`
   * requests go to it in absolute form; `https:` ones through a CONNECT tunnel.
   */
  proxy?: string | readonly [string, number] | null;
  proxyBasicAuthorization?: readonly [string, string] | null;
  /** Seconds (default 20, as Drakma's). */
  connectionTimeout?: number | null;
  /** Seconds without a byte from the server (default 20, as drakma-async's). */
  readTimeout?: number | null;
  /** Seconds without write progress (default 20). */
  writeTimeout?: number | null;
  /**
   * Seconds from sending the request to the end of the response's header section, however
   * slowly it trickles in (`readTimeout` only limits the silence between bytes). Default: none.
   */
  headersTimeout?: number | null;
  /** Largest body kept in memory, in bytes (decoded); beyond it the request fails. Default: none. Not for `wantStream`. */
  maxResponseSize?: number | null;
  /** Send the URI as written, without normalising it. */
  preserveUri?: boolean;
  signal?: AbortSignal | null;
  /** Parser options: accept LF-only line ends and obs-fold; the largest header section. */
  lenient?: boolean;
  maxHeaderSize?: number;
}

/** Drakma's seven values, in order. */
export type HttpRequestValues = [
  body: string | Buffer | Readable | null,
  status: number,
  headers: HeaderList,
  uri: URL,
  stream: AsyncSocket,
  mustClose: boolean,
  reasonPhrase: string,
];

const DEFAULT_TIMEOUT = 20;
const DEFAULT_REDIRECTS = 5;
const DEFAULT_USER_AGENT = 'cl-async (Node.js)';
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Send an HTTP request. The Future finishes with `(body, status, headers, uri, stream,
 * mustClose, reasonPhrase)`, or rejects with an `HttpError` (`HttpTimeout`, `HttpRefused`,
 * `HttpEof`, `HttpParseError`), a `DnsError` or a `TcpSslError`.
 */
export function httpRequest(uri: string | URL, options: HttpRequestOptions & { wantStream: true }): Future<Readable>;
export function httpRequest(uri: string | URL, options?: HttpRequestOptions): Future<string | Buffer | null>;
export function httpRequest(uri: string | URL, options: HttpRequestOptions = {}): Future<HttpRequestValues[0]> {
  const loop = currentLoop();
  const future = makeFuture<HttpRequestValues[0]>();
  const exchange = new Exchange(loop, future, options);
  try {
    exchange.begin(uri);
  } catch (err) {
    signalError(future, err);
  }
  return future;
}

/** One `httpRequest` call: a request and the redirects it follows. */
class Exchange implements DispatchHandler {
  private url!: URL;
  /** The caller's string, for `preserveUri` (dropped once a redirect replaces the URL). */
  private rawUri: string | null = null;
  private method: string;
  private body: PreparedBody | null = null;
  private redirectsLeft: number;
  private userHeaders: Array<readonly [string, string]>;
  private authorization: string | null;
  private referer: string | null = null;
  private pool: OriginPool | null = null;
  private dispatch: Dispatch | null = null;
  private settled = false;
  // The response being received.
  private head: ResponseHead | null = null;
  private connection: HttpConnection | null = null;
  private following: URL | null = null;
  private chunks: Buffer[] = [];
  private size = 0;
  private headersTimer: NodeJS.Timeout | null = null;
  private decoder: Transform | null = null;
  private stream: ResponseBody | null = null;
  private cleanup: (() => void) | null = null;

  constructor(
    private readonly loop: EventLoop,
    private readonly future: Future,
    private readonly options: HttpRequestOptions,
  ) {
    this.method = (options.method ?? 'GET').toUpperCase();
    const redirect = options.redirect ?? DEFAULT_REDIRECTS;
    this.redirectsLeft = redirect === true ? DEFAULT_REDIRECTS : redirect === false ? 0 : redirect;
    this.userHeaders = headerPairs(options.additionalHeaders);
    this.authorization = options.basicAuthorization ? basicAuthorization(options.basicAuthorization) : null;
  }

  begin(uri: string | URL): void {
    const { options } = this;
    if (!TOKEN.test(this.method)) throw invalid('CLASYNC_HTTP_INVALID_METHOD', `Invalid method: ${this.method}`);
    let url = parseUrl(uri);
    if (options.parameters != null && !parametersInBody(this.method, options.content)) {
      url = appendQuery(url, options.parameters as Parameters);
    } else if (options.preserveUri === true) {
      this.rawUri = typeof uri === 'string' ? uri : uri.href;
    }
    this.url = url;
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) throw aborted(signal);
      const onAbort = (): void => this.abort(aborted(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    if (options.content == null && (options.parameters == null || !parametersInBody(this.method, null))) {
      // No body to prepare: send now, without a promise, a loop handle and a turn per request.
      this.send(url, NO_BODY);
      return;
    }
    // Building a multipart body stats its files: the loop waits for that too.
    const preparing = new PendingOperation(this.loop, 'http-request');
    prepareBody({ ...options, method: this.method }).then(
      (body) => {
        preparing.close();
        this.loop.enter(() => this.send(url, body));
      },
      (err: unknown) => {
        preparing.close();
        this.fail(err);
      },
    );
  }

  // -- sending -----------------------------------------------------------------------------

  /** Send the request (again, after a redirect); a request that cannot be made rejects. */
  private send(url: URL, body: PreparedBody): void {
    try {
      this.sendTo(url, body);
    } catch (err) {
      this.fail(err);
    }
  }

  private sendTo(url: URL, body: PreparedBody): void {
    if (this.settled) return;
    this.url = url;
    this.body = body;
    const { options } = this;
    const origin = originFor(url, options);
    // Plain HTTP through a proxy sends the absolute URI to the proxy itself.
    const forwarding = url.protocol === 'http:' && options.proxy != null;
    this.pool = poolFor(origin, options, DEFAULT_TIMEOUT);
    const d: Dispatch = {
      method: this.method,
      head: this.requestHead(url, body, forwarding),
      body: body.body,
      chunked: body.chunked,
      idempotent: IDEMPOTENT.has(this.method) && body.replayable,
      close: options.close === true,
      readTimeout: options.readTimeout === undefined ? DEFAULT_TIMEOUT : options.readTimeout,
      writeTimeout: options.writeTimeout === undefined ? DEFAULT_TIMEOUT : options.writeTimeout,
      handler: this,
    };
    this.dispatch = d;
    this.pool.dispatch(d);
    const headersTimeout = options.headersTimeout;
    if (headersTimeout != null && headersTimeout > 0) {
      this.headersTimer = setTimeout(() => this.loop.enter(() => this.headersLate(headersTimeout)), headersTimeout * 1000).unref();
    }
  }

  private headersLate(seconds: number): void {
    this.headersTimer = null;
    this.abort(
      new HttpTimeout({ code: 'CLASYNC_HTTP_HEADERS_TIMEOUT', errmsg: `No complete response header section within ${seconds} s` }),
    );
  }

  private stopHeadersTimer(): void {
    if (this.headersTimer !== null) {
      clearTimeout(this.headersTimer);
      this.headersTimer = null;
    }
  }

  private requestHead(url: URL, body: PreparedBody, viaProxy: boolean): string {
    const { options } = this;
    const target = requestTarget(this.rawUri ?? url, { preserveUri: this.rawUri !== null, absolute: viaProxy });
    const fields: Array<readonly [string, string]> = [['Host', hostHeader(url)]];
    const userAgent = options.userAgent === undefined ? DEFAULT_USER_AGENT : options.userAgent;
    if (userAgent !== null) fields.push(['User-Agent', userAgent]);
    if (options.accept !== null) fields.push(['Accept', options.accept ?? '*/*']);
    if (options.decodeContent === true) fields.push(['Accept-Encoding', 'gzip, deflate, br']);
    if (options.close === true) fields.push(['Connection', 'close']);
    else if (options.keepAlive === true) fields.push(['Connection', 'keep-alive']);
    if (options.range) fields.push(['Range', `bytes=${options.range[0]}-${options.range[1]}`]);
    if (this.authorization !== null) fields.push(['Authorization', this.authorization]);
    if (viaProxy && options.proxyBasicAuthorization) {
      fields.push(['Proxy-Authorization', basicAuthorization(options.proxyBasicAuthorization)]);
    }
    const cookie = options.cookieJar?.cookieHeader(url);
    if (cookie) fields.push(['Cookie', cookie]);
    if (this.referer !== null) fields.push(['Referer', this.referer]);
    if (body.body !== null) {
      if (body.contentType !== null) fields.push(['Content-Type', body.contentType]);
      if (body.chunked) fields.push(['Transfer-Encoding', 'chunked']);
      else fields.push(['Content-Length', String(body.contentLength)]);
    }
    let head = `${this.method} ${target} ${options.protocol ?? 'HTTP/1.1'}\r\n`;
    const replaced = this.userHeaders.length === 0 ? null : new Set(this.userHeaders.map(([name]) => name.toLowerCase()));
    for (const [name, value] of fields) if (replaced === null || !replaced.has(name.toLowerCase())) head += `${name}: ${value}\r\n`;
    for (const [name, value] of this.userHeaders) {
      if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) {
        throw invalid('CLASYNC_HTTP_INVALID_HEADER', `Invalid header field: ${JSON.stringify(name)}`);
      }
      head += `${name}: ${value}\r\n`;
    }
    return head + '\r\n';
  }

  // -- the response (DispatchHandler) ------------------------------------------------------

  onHeaders(head: ResponseHead, connection: HttpConnection): void {
    this.stopHeadersTimer();
    this.head = head;
    this.connection = connection;
    this.pool!.noteResponse(head);
    this.options.cookieJar?.updateFromResponse(this.url, head.headers);
    this.following = this.redirectTarget(head);
    if (this.following !== null) return;
    const encoding = this.options.decodeContent === true ? headerValue('content-encoding', head.headers) : undefined;
    if (encoding !== undefined) {
      try {
        this.decoder = decodingStream(encoding);
      } catch (err) {
        connection.destroy(err as Error);
        return;
      }
    }
    if (this.options.wantStream === true) this.streamResponse(head, connection);
    else if (this.decoder !== null) this.collectDecoded(this.decoder, connection);
  }

  private collectDecoded(decoder: Transform, connection: HttpConnection): void {
    decoder.on('data', (chunk: Buffer) => this.keep(chunk));
    decoder.on('error', (err) => {
      const failure = decodeFailed(err);
      this.fail(failure);
      connection.destroy(failure);
    });
  }

  onData(chunk: Buffer): boolean {
    if (this.following !== null) return true;
    if (this.stream !== null) return this.stream.push(chunk);
    if (this.decoder !== null) return this.decoder.write(chunk) || this.waitForDecoder();
    this.keep(chunk);
    return true;
  }

  /** Keep a piece of a buffered body, within `maxResponseSize`. */
  private keep(chunk: Buffer): void {
    this.size += chunk.length;
    const max = this.options.maxResponseSize;
    if (max == null || this.size <= max) {
      this.chunks.push(chunk);
      return;
    }
    this.chunks = [];
    const err = new HttpError({ code: 'CLASYNC_HTTP_RESPONSE_TOO_LARGE', errmsg: `Response body larger than maxResponseSize (${max} bytes)` });
    this.fail(err);
    this.connection?.destroy(err);
  }

  onComplete(trailers: HeaderList | null): void {
    const head = this.head!;
    if (this.following !== null) return this.follow(head, this.following);
    if (this.stream !== null) return this.stream.complete(trailers);
    // Drakma appends trailer fields to the headers.
    const headers = trailers === null ? head.headers : head.headers.concat(trailers);
    const decoder = this.decoder;
    if (decoder === null) return this.finishWith(headers);
    // zlib works off the loop's thread: hold the loop open until it is done.
    const decoding = new PendingOperation(this.loop, 'http-decode');
    decoder.once('close', () => decoding.close());
    decoder.once('end', () => this.loop.enter(() => this.finishWith(headers)));
    decoder.end();
  }

  onError(err: Error): void {
    if (this.stream !== null) this.stream.destroy(err);
    else this.fail(err);
  }

  // -- outcomes ----------------------------------------------------------------------------

  private finishWith(headers: HeaderList): void {
    if (this.settled) return;
    const head = this.head!;
    const chunks = this.chunks;
    const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const contentType = headerValue('content-type', headers);
    let body: string | Buffer | null = null;
    if (bytes.length > 0) {
      body = this.options.forceBinary !== true && isTextContentType(contentType) ? decodeText(bytes, charsetOf(contentType)) : bytes;
    }
    this.settle([body, head.status, headers, this.url, this.connection!.socket, this.mustClose(head), head.reason]);
  }

  private streamResponse(head: ResponseHead, connection: HttpConnection): void {
    const stream = new ResponseBody(connection);
    this.stream = stream;
    let body: Readable = stream;
    const decoder = this.decoder;
    if (decoder !== null) {
      body = decoder;
      stream.on('error', (err) => decoder.destroy(err));
      decoder.on('error', (err) => stream.destroy(decodeFailed(err)));
      decoder.on('close', () => stream.destroy());
      stream.pipe(decoder);
    }
    // An unfinished body is work of the loop: it stays alive until the body ends or is destroyed.
    const reading = new PendingOperation(this.loop, 'http-body');
    body.once('close', () => {
      reading.close();
      this.cleanup?.();
    });
    this.settle([body, head.status, head.headers, this.url, connection.socket, this.mustClose(head), head.reason]);
  }

  private settle(values: HttpRequestValues): void {
    if (this.settled) return;
    this.settled = true;
    this.stopHeadersTimer();
    // A streamed body can still be aborted: the signal is let go when the body closes.
    if (this.stream === null) this.cleanup?.();
    finish(this.future, ...values);
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.stopHeadersTimer();
    this.cleanup?.();
    signalError(this.future, err);
  }

  private abort(err: HttpError): void {
    if (this.stream !== null) {
      this.stream.destroy(err);
      return;
    }
    const d = this.dispatch;
    this.fail(err);
    if (d !== null) this.pool?.cancel(d, err);
  }

  private mustClose(head: ResponseHead): boolean {
    return !head.keepAlive || this.options.close === true;
  }

  /** The decoder's buffer is full: read again when it drains. */
  private waitForDecoder(): boolean {
    const decoder = this.decoder!;
    // One read can bring many chunks, each refused: one wake-up is enough.
    if (decoder.listenerCount('drain') === 0) {
      const connection = this.connection!;
      decoder.once('drain', () => connection.resume());
    }
    return false;
  }

  // -- redirects ---------------------------------------------------------------------------

  private redirectTarget(head: ResponseHead): URL | null {
    if (this.redirectsLeft <= 0 || !REDIRECT_STATUSES.has(head.status)) return null;
    const location = headerValue('location', head.headers);
    const next = location === undefined ? null : resolveRedirect(this.url, location);
    if (next === null) return null;
    const policy = redirectPolicy(head.status, this.method, this.body?.body != null);
    // A streamed body is gone: a redirect that must send it again cannot be followed.
    if (policy.keepBody && this.body?.replayable !== true) return null;
    return next;
  }

  private follow(head: ResponseHead, next: URL): void {
    const from = this.url;
    const policy = redirectPolicy(head.status, this.method, this.body?.body != null);
    this.redirectsLeft--;
    this.method = policy.method;
    this.rawUri = null;
    this.userHeaders = redirectHeaders(this.userHeaders, from, next, policy.keepBody);
    if (crossOrigin(from, next)) this.authorization = null;
    if (this.options.autoReferer === true) this.referer = refererFor(from, next);
    this.head = null;
    this.connection = null;
    this.following = null;
    this.chunks = [];
    this.send(next, policy.keepBody ? this.body! : NO_BODY);
  }
}

const NO_BODY: PreparedBody = { body: null, contentType: null, contentLength: null, chunked: false, replayable: true };

/** The body of a `wantStream` response: reading from it reads from the socket. */
class ResponseBody extends Readable {
  /** Trailer fields of a chunked response, once the body has ended. */
  trailers: HeaderList = [];
  /** The whole body arrived: the connection now belongs to the pool again. */
  private received = false;

  constructor(private readonly connection: HttpConnection) {
    // As undici's body: a socket read is up to 64 KiB, so a smaller mark pauses the socket (and
    // resets its read timer) for nearly every chunk.
    super({ highWaterMark: 64 * 1024 });
  }

  complete(trailers: HeaderList | null): void {
    this.received = true;
    this.trailers = trailers ?? [];
    this.push(null);
  }

  override _read(): void {
    if (!this.received) this.connection.resume();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // Dropped before the end: the rest of the body is still coming, so the connection cannot be reused.
    if (!this.received) {
      this.connection.destroy(err ?? new HttpError({ code: 'ABORT_ERR', errmsg: 'Response body destroyed before its end' }));
    }
    callback(err);
  }
}

// ---------------------------------------------------------------------------------------

function parseUrl(uri: string | URL): URL {
  let url: URL;
  try {
    url = typeof uri === 'string' ? new URL(uri) : new URL(uri.href);
  } catch (err) {
    throw invalid('ERR_INVALID_URL', `Invalid URL: ${String(uri)}`, err);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('ERR_INVALID_URL_SCHEME', `Unsupported URL scheme ${url.protocol} (only http: and https:)`);
  }
  return url;
}

/**
 * Where to connect for `url`: the server itself; a forwarding proxy for `http:`; or, for
 * `https:`, the proxy with a CONNECT tunnel to the server and TLS inside it.
 */
function originFor(url: URL, options: HttpRequestOptions): Origin {
  const host = connectHost(url);
  const port = portOf(url);
  const proxy = proxyAddress(options.proxy);
  if (url.protocol === 'http:') {
    if (proxy === null) return { protocol: 'http:', host, port, key: `http://${host}:${port}` };
    return { protocol: 'http:', host: proxy.host, port: proxy.port, key: `proxy://${proxy.host}:${proxy.port}` };
  }
  const tls = {
    ca: options.ca,
    verify: options.verify,
    certificate: options.certificate,
    key: options.key,
    password: options.password,
    ciphers: options.ciphers,
    servername: host,
  };
  const identity = [tls.verify !== false, tls.ca, tls.certificate, tls.key, tls.ciphers].map((v) => String(v ?? '')).join('|');
  const key = `https://${host}:${port}|${identity}`;
  if (proxy === null) return { protocol: 'https:', host, port, tls, key };
  const authorization = options.proxyBasicAuthorization ? basicAuthorization(options.proxyBasicAuthorization) : undefined;
  return {
    protocol: 'https:',
    host: proxy.host,
    port: proxy.port,
    tls,
    tunnel: { authority: `${url.hostname}:${port}`, authorization },
    key: `${key}|via ${proxy.host}:${proxy.port}|${authorization ?? ''}`,
  };
}

/** `'host'`, `'host:port'` or `[host, port]`; the port is 80 by default. */
function proxyAddress(proxy: HttpRequestOptions['proxy']): { host: string; port: number } | null {
  if (proxy == null) return null;
  let host: string;
  let port = 80;
  if (typeof proxy === 'string') {
    const at = proxy.lastIndexOf(':');
    host = at > 0 && !proxy.endsWith(']') ? proxy.slice(0, at) : proxy;
    if (host !== proxy) port = Number(proxy.slice(at + 1));
  } else {
    [host, port] = proxy;
  }
  return { host: host.replace(/^\[|\]$/g, ''), port };
}

function headerPairs(headers: HttpRequestOptions['additionalHeaders']): Array<readonly [string, string]> {
  if (headers == null) return [];
  return Array.isArray(headers) ? headers.map(([n, v]) => [n, String(v)] as const) : Object.entries(headers);
}

function invalid(code: string, errmsg: string, cause?: unknown): HttpError {
  return new HttpError({ code, errmsg, cause });
}

function aborted(signal: AbortSignal): HttpError {
  return new HttpError({ code: 'ABORT_ERR', errmsg: 'The request was aborted', cause: signal.reason });
}

function decodeFailed(err: unknown): HttpError {
  return new HttpError({ code: 'CLASYNC_HTTP_DECODE_ERROR', errmsg: `Content decoding failed: ${(err as Error).message}`, cause: err });
}
