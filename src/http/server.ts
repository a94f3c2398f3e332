/**
 * The 2012 HTTP module's server side (`http-server`, `http-response`, `close-http-server`,
 * `http-request` and its accessors), on our own TCP server and request parser.
 *
 * cl-async wrapped libevent's evhttp; this keeps its calling forms and fixes what the 2012
 * module got wrong: the body is read for every method (issue #39), `resource` is right without a
 * query string, and non-2xx responses keep their body. It also does what a Node engineer
 * expects of a server: HTTP/1.1 keep-alive (HTTP/1.0 with `Connection: keep-alive`), pipelined
 * requests answered in order, chunked request bodies, streamed (chunked) responses with
 * back-pressure, `Expect: 100-continue`, limits (`maxHeaderSize` → 431, `maxBodySize` → 413,
 * `maxConnections`), an idle timeout that also closes clients that trickle a request head
 * (slowloris), `400 Bad Request` for malformed requests, and a graceful `closeHttpServer`.
 * It switches no protocols: a CONNECT or `Upgrade` request reaches `requestCb` like any other,
 * its response closes the connection, and the bytes that follow it are never read as HTTP.
 *
 * Conditions that cut a request short reach the server's `eventCb`: `HttpParseError` (the
 * client got 400 or 431), an `HttpError` with code `HPE_BODY_TOO_LARGE` (413), `HttpTimeout`
 * (408, a request head or body not received in time), a failed response body stream, and socket
 * errors (reset…) while a request is in flight. Quiet closes between requests are not reported.
 */
import { Readable } from 'node:stream';
import { EventInfo, HttpError, HttpParseError, HttpTimeout, SocketEof } from '../errors';
import { currentLoop, EventCb, EventLoop } from '../event-loop';
import { LoopHandle } from '../handle';
import type { AsyncSocket } from '../socket';
import { tcpServer, TcpServer, withEventCb } from '../tcp';
import { HeaderList, headerValue } from './headers';
import { RequestHead, RequestHandler, RequestParser } from './request-parser';

export interface HttpServerOptions {
  eventCb?: EventCb | null;
  /** Largest request head (and trailer section), bytes; larger gets 431. Default 16 KiB. */
  maxHeaderSize?: number;
  /** Largest request body, bytes; larger gets 413 and the connection closes. Default 16 MiB. */
  maxBodySize?: number;
  /**
   * Seconds a connection may sit idle between requests, and the time a client has to send a
   * whole request head (or to make progress on a body) before it gets 408 and is closed.
   * Default 60; 0 or a negative value: never.
   */
  idleTimeout?: number;
  /** Open connections beyond this are closed at accept. Default: no limit. */
  maxConnections?: number;
  /** Listen queue length. */
  backlog?: number;
  /** Accept LF-only line ends and obs-fold in requests. */
  lenient?: boolean;
}

export type HttpRequestCb = (req: HttpRequest) => void;

/** A response header set: an object, or `[name, value]` pairs (repeats kept). */
export type ResponseHeaders = Readonly<Record<string, string | number | ReadonlyArray<string>>> | ReadonlyArray<readonly [string, string | number]>;

export interface HttpResponseOptions {
  /** Default 200. */
  status?: number;
  headers?: ResponseHeaders | null;
  /**
   * A string (UTF-8), bytes, or a Readable (sent chunked to HTTP/1.1 clients unless a
   * Content-Length header is given; to HTTP/1.0 clients, delimited by closing). Default `''`.
   */
  body?: string | Uint8Array | Readable | null;
  /** Send the body with the chunked transfer coding even when its length is known. */
  chunked?: boolean;
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
const DEFAULT_IDLE_TIMEOUT = 60;
/** Requests received and not yet answered before the connection stops reading. */
const MAX_PIPELINED = 16;
const CRLF = '\r\n';
const EMPTY = Buffer.alloc(0);
const LAST_CHUNK = '0\r\n\r\n';
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Reason phrases (RFC 9110 §15 and the registered extensions). */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  102: 'Processing',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  208: 'Already Reported',
  226: 'IM Used',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  418: "I'm a teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  510: 'Not Extended',
  511: 'Network Authentication Required',
};

// ---------------------------------------------------------------------------------------
// The request

/** One request as the application sees it (cl-async's `http-request`). */
export class HttpRequest {
  /** The connection's socket (cl-async's `http-request-c`). */
  readonly c: AsyncSocket;
  readonly server: HttpServer;
  /** `'GET'`, `'POST'`… as sent. */
  readonly method: string;
  /** The request-target as sent: path and query (or an absolute URI, `*`, `host:port`). */
  readonly uri: string;
  /** The path, without the query (`/a/b` for `/a/b?x=1` and for `/a/b`). */
  readonly resource: string;
  /** What follows `?` in the target, `''` when there is none. */
  readonly querystring: string;
  /** Header fields in arrival order, names lower-cased (see `headerValue`). */
  readonly headers: HeaderList;
  /** Trailer fields of a chunked body (empty when none). */
  readonly trailers: HeaderList;
  /** The body (for every method, GET included), or null when there is none. */
  readonly body: Buffer | null;
  /** `'HTTP/1.1'` or `'HTTP/1.0'`. */
  readonly version: string;
  /** The client lets the connection stay open after the response. */
  readonly keepAlive: boolean;
  /** @internal */
  _responded = false;
  /** @internal */
  readonly _connection: ServerConnection;

  /** @internal */
  constructor(connection: ServerConnection, head: RequestHead, body: Buffer | null, trailers: HeaderList) {
    this._connection = connection;
    this.c = connection.socket;
    this.server = connection.server;
    this.method = head.method;
    this.uri = head.target;
    this.headers = head.headers;
    this.trailers = trailers;
    this.body = body;
    this.version = `HTTP/${head.versionMajor}.${head.versionMinor}`;
    this.keepAlive = head.keepAlive;
    const [resource, querystring] = splitTarget(head.target);
    this.resource = resource;
    this.querystring = querystring;
  }

  /** The value of one header field (case-insensitive; repeats joined), or undefined. */
  header(name: string): string | undefined {
    return headerValue(name, this.headers);
  }

  /** Has `httpResponse` been called for it? */
  get responded(): boolean {
    return this._responded;
  }
}

function splitTarget(target: string): [resource: string, querystring: string] {
  let path = target;
  if (/^https?:\/\//i.test(target)) {
    // absolute-form (a request meant for a proxy): the resource is the URI's path
    const afterScheme = target.indexOf('//') + 2;
    const slash = target.indexOf('/', afterScheme);
    const question = target.indexOf('?', afterScheme);
    const start = slash === -1 || (question !== -1 && question < slash) ? -1 : slash;
    path = start === -1 ? '/' + (question === -1 ? '' : target.slice(question)) : target.slice(start);
  }
  const hash = path.indexOf('#');
  if (hash !== -1) path = path.slice(0, hash);
  const q = path.indexOf('?');
  return q === -1 ? [path, ''] : [path.slice(0, q), path.slice(q + 1)];
}

// Functional accessors (cl-async's `http-request-…`).
export const httpRequestC = (req: HttpRequest): AsyncSocket => req.c;
export const httpRequestMethod = (req: HttpRequest): string => req.method;
export const httpRequestUri = (req: HttpRequest): string => req.uri;
export const httpRequestResource = (req: HttpRequest): string => req.resource;
export const httpRequestQuerystring = (req: HttpRequest): string => req.querystring;
export const httpRequestHeaders = (req: HttpRequest): HeaderList => req.headers;
export const httpRequestBody = (req: HttpRequest): Buffer | null => req.body;

// ---------------------------------------------------------------------------------------
// The server

interface ResolvedOptions {
  maxHeaderSize: number | undefined;
  maxBodySize: number;
  idleMs: number;
  maxConnections: number;
  lenient: boolean;
}

/**
 * A listening HTTP server. The loop tracks it (and closes it at exit); its TCP server and its
 * connections are what keep the loop alive.
 */
export class HttpServer extends LoopHandle {
  readonly kind = 'http-server';
  /** The TCP server underneath. */
  readonly tcp: TcpServer;
  requestCb: HttpRequestCb;
  eventCb: EventCb | null;
  /** @internal */
  readonly settings: ResolvedOptions;
  /** @internal open connections */
  readonly connections = new Set<ServerConnection>();

  /** @internal */
  constructor(loop: EventLoop, tcp: TcpServer, requestCb: HttpRequestCb, options: HttpServerOptions) {
    // Inactive: only its TCP server and connections keep the loop alive.
    super(loop, false);
    this.tcp = tcp;
    this.requestCb = requestCb;
    this.eventCb = options.eventCb ?? null;
    const idle = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
    this.settings = {
      maxHeaderSize: options.maxHeaderSize,
      maxBodySize: options.maxBodySize ?? DEFAULT_MAX_BODY,
      idleMs: idle > 0 ? Math.max(1, Math.round(idle * 1000)) : 0,
      maxConnections: options.maxConnections ?? Infinity,
      lenient: options.lenient === true,
    };
    tcp.connectCb = this.onAccept as (socket: never) => void;
    // Failed accepts (out of file descriptors…) are the server's events.
    tcp.eventCb = this.eventCb;
  }

  /** The bound port. */
  get port(): number {
    return this.tcp.port;
  }

  /** The bound address (`'127.0.0.1'`, `'0.0.0.0'`…), or undefined once closed. */
  get address(): string | undefined {
    return this.tcp.address;
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stop accepting; connections close once their requests in flight are answered. */
  protected release(): void {
    this.tcp.close();
    for (const connection of Array.from(this.connections)) connection.serverClosing();
  }

  protected override nodeRef(refed: boolean): void {
    this.loop._setRef(this.tcp, refed);
  }

  private readonly onAccept = (socket: AsyncSocket): void => {
    if (this.closed || this.connections.size >= this.settings.maxConnections) {
      socket.shutdown(true);
      return;
    }
    this.connections.add(new ServerConnection(this, socket));
  };

  /** @internal a condition for the application */
  _report(condition: unknown): void {
    this.loop.deliver(this.eventCb, condition);
  }
}

/**
 * Listen for HTTP on `bind:port` (null: every IPv4 address; port 0: the kernel picks; `.port`
 * is known on return). `requestCb(req)` runs for each request; answer it with `httpResponse`.
 * An address in use throws `SocketAddressInUse` here.
 */
export function httpServer(bind: string | null, port: number, requestCb: HttpRequestCb, options?: HttpServerOptions): HttpServer;
export function httpServer(
  bind: string | null,
  port: number,
  requestCb: HttpRequestCb,
  eventCb?: EventCb | null,
  options?: HttpServerOptions,
): HttpServer;
export function httpServer(
  bind: string | null,
  port: number,
  requestCb: HttpRequestCb,
  a?: EventCb | HttpServerOptions | null,
  b?: HttpServerOptions,
): HttpServer {
  if (typeof requestCb !== 'function') throw new TypeError('httpServer: requestCb must be a function');
  const options = withEventCb(a, b);
  const loop = currentLoop();
  const tcp = tcpServer(bind, port, null, { backlog: options.backlog });
  return new HttpServer(loop, tcp, requestCb, options);
}

/**
 * Stop accepting connections. Requests already received are answered (their responses say
 * `Connection: close`), then each connection closes; idle ones close now. Idempotent.
 */
export function closeHttpServer(server: HttpServer): void {
  server.close();
}

/** Has `closeHttpServer` run (or the loop closed the server)? */
export function httpServerClosed(server: HttpServer): boolean {
  return server.closed;
}

/**
 * Answer `req`. Responses on one connection leave in request order, whatever order they are
 * given in. Answering twice throws; answering a request whose client went away does nothing
 * (a Readable body is destroyed).
 */
export function httpResponse(req: HttpRequest, options: HttpResponseOptions = {}): void {
  if (!(req instanceof HttpRequest)) throw new TypeError('httpResponse: not an HttpRequest');
  if (req._responded) throw new Error('httpResponse: this request was already answered');
  const response = prepareResponse(req, options);
  req._responded = true;
  req._connection.respond(req, response);
}

// ---------------------------------------------------------------------------------------
// Responses

interface Prepared {
  status: number;
  /** Header fields from the application, validated. */
  fields: Array<[string, string]>;
  body: Buffer | Readable | null;
  /** Frame the body with the chunked coding. */
  chunked: boolean;
  /** A length-delimited body (Content-Length computed or given). */
  length: number | null;
  /** The body ends with the connection (HTTP/1.0 client, unknown length). */
  closeDelimited: boolean;
  /** Send no body bytes (HEAD, 1xx, 204, 304). */
  noBody: boolean;
  /** The application asked for `Connection: close`. */
  wantsClose: boolean;
}

function prepareResponse(req: HttpRequest, options: HttpResponseOptions): Prepared {
  const status = options.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 999) {
    // 1xx are interim: the server sends 100 Continue itself, and upgrades are not served.
    throw new RangeError(`httpResponse: invalid final status ${String(status)}`);
  }
  const fields = responseFields(options.headers);
  const given = options.body ?? '';
  const isStream = given instanceof Readable;
  let body: Buffer | Readable | null;
  if (isStream) body = given as Readable;
  else if (typeof given === 'string') body = Buffer.from(given, 'utf8');
  else if (given instanceof Uint8Array) body = Buffer.from(given.buffer, given.byteOffset, given.byteLength);
  else throw new TypeError('httpResponse: body must be a string, bytes or a Readable');

  const has = (name: string): boolean => fields.some(([n]) => n.toLowerCase() === name);
  const givenLength = fields.find(([n]) => n.toLowerCase() === 'content-length')?.[1];
  const noBody = req.method === 'HEAD' || status < 200 || status === 204 || status === 304;
  const wantsClose = fields.some(([n, v]) => n.toLowerCase() === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(v));
  const http10 = req.version === 'HTTP/1.0';

  let chunked = false;
  let length: number | null = null;
  let closeDelimited = false;
  if (status >= 200 && status !== 204 && status !== 304) {
    if (Buffer.isBuffer(body) && options.chunked !== true) {
      // HEAD: the length of what a GET would get, unless the application stated it.
      length = req.method === 'HEAD' && body.length === 0 && givenLength !== undefined ? null : body.length;
    } else if (!Buffer.isBuffer(body) && givenLength !== undefined && /^\d+$/.test(givenLength.trim())) {
      length = Number(givenLength.trim());
    } else if (http10) {
      // No chunked coding for HTTP/1.0: the body ends with the connection.
      closeDelimited = true;
    } else {
      chunked = true;
    }
  }
  // Framing fields are ours; a Content-Length the application gave is kept only where it frames nothing.
  const keepLength = length === null && !chunked && givenLength !== undefined && (req.method === 'HEAD' || status === 304);
  const kept = fields.filter(([n]) => {
    const lower = n.toLowerCase();
    if (lower === 'transfer-encoding' || lower === 'connection') return false;
    if (lower === 'content-length') return keepLength;
    return true;
  });
  if (!has('content-type') && typeof given === 'string' && given.length > 0 && status >= 200 && status !== 204 && status !== 304) {
    kept.push(['Content-Type', 'text/plain; charset=utf-8']);
  }
  if (noBody && body instanceof Readable) body.destroy();
  if (noBody) body = null;
  return { status, fields: kept, body, chunked, length, closeDelimited, noBody, wantsClose };
}

function responseFields(headers: ResponseHeaders | null | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (headers == null) return out;
  const add = (name: string, value: string | number): void => {
    const text = String(value);
    if (!TOKEN.test(name) || !FIELD_VALUE.test(text)) {
      throw new HttpError({ code: 'CLASYNC_HTTP_INVALID_HEADER', errmsg: `Invalid response header field: ${JSON.stringify(name)}` });
    }
    out.push([name, text]);
  };
  if (Array.isArray(headers)) {
    for (const [name, value] of headers as ReadonlyArray<readonly [string, string | number]>) add(name, value);
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string | number | ReadonlyArray<string>>)) {
      if (Array.isArray(value)) for (const v of value) add(name, v);
      else add(name, value as string | number);
    }
  }
  return out;
}

let dateCache = '';
let dateCacheSecond = -1;

function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateCacheSecond) {
    dateCacheSecond = second;
    dateCache = new Date(now).toUTCString();
  }
  return dateCache;
}

function headText(response: Prepared, closeAfter: boolean, http10KeepAlive: boolean): string {
  const { status } = response;
  let head = `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? 'Unknown'}${CRLF}`;
  let hasDate = false;
  for (const [name, value] of response.fields) {
    if (!hasDate && name.toLowerCase() === 'date') hasDate = true;
    head += `${name}: ${value}${CRLF}`;
  }
  if (!hasDate) head += `Date: ${httpDate()}${CRLF}`;
  if (response.length !== null) head += `Content-Length: ${response.length}${CRLF}`;
  else if (response.chunked) head += `Transfer-Encoding: chunked${CRLF}`;
  if (closeAfter) head += `Connection: close${CRLF}`;
  else if (http10KeepAlive) head += `Connection: keep-alive${CRLF}`;
  return head + CRLF;
}

/** A response the server makes itself (400, 408, 413, 431): it closes the connection. */
function errorResponse(status: number): Prepared {
  const text = Buffer.from(`${REASON_PHRASES[status]}\n`);
  return {
    status,
    fields: [['Content-Type', 'text/plain; charset=utf-8']],
    body: text,
    chunked: false,
    length: text.length,
    closeDelimited: false,
    noBody: false,
    wantsClose: true,
  };
}

// ---------------------------------------------------------------------------------------
// A connection

/** Run the application's `requestCb`; if it throws before answering, the client gets a 500. */
function callRequestCb(server: HttpServer, req: HttpRequest): void {
  try {
    server.requestCb(req);
  } catch (err) {
    if (!req._responded) httpResponse(req, { status: 500 });
    throw err;
  }
}

/** A request received, waiting for (or getting) its response. `req` is null for our own error responses. */
interface Exchange {
  req: HttpRequest | null;
  http10KeepAlive: boolean;
  keepAlive: boolean;
  response: Prepared | null;
}

interface Incoming {
  head: RequestHead;
  chunks: Buffer[];
  size: number;
}

/** @internal One accepted connection: a request parser, and the requests it has not answered yet. */
export class ServerConnection implements RequestHandler {
  readonly server: HttpServer;
  readonly socket: AsyncSocket;
  private readonly parser: RequestParser;
  private readonly queue: Exchange[] = [];
  /** Completed requests to hand to the application once the parser returns. */
  private readonly ready: HttpRequest[] = [];
  private incoming: Incoming | null = null;
  private trailers: HeaderList = [];
  /** Input the parser did not take (it paused: too many requests in flight). */
  private leftover: Buffer | null = null;
  /** No more requests are read: close once the queue is answered. */
  private closing = false;
  /** The body being streamed out, for the head of the queue. */
  private streaming: Readable | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The response being written said `Connection: close`. */
  private closeAfterCurrent = false;
  private gone = false;

  constructor(server: HttpServer, socket: AsyncSocket) {
    this.server = server;
    this.socket = socket;
    const { settings } = server;
    this.parser = new RequestParser(this, { maxHeaderSize: settings.maxHeaderSize, lenient: settings.lenient });
    socket.readCb = this.onRead as never;
    socket.eventCb = this.onEvent;
    socket.on('close', this.onClose);
    server.loop.counters.incomingHttpConnections++;
    this.arm();
  }

  // -- input ---------------------------------------------------------------------------

  private readonly onRead = (_socket: AsyncSocket, data: Buffer): void => {
    if (this.closing || this.gone) return;
    this.feed(data);
  };

  private feed(input: Buffer): void {
    let data = input;
    if (this.leftover !== null) {
      data = Buffer.concat([this.leftover, input]);
      this.leftover = null;
    }
    const waiting = this.incoming === null && this.queue.length === 0 && this.parser.idleBetweenMessages;
    let used: number;
    try {
      used = this.parser.execute(data);
    } catch (err) {
      this.parseFailed(err as HttpParseError);
      this.dispatchReady();
      return;
    }
    if (used < data.length && !this.parser.connectionDone && !this.closing) {
      this.leftover = data.subarray(used);
      this.socket.pause();
    }
    // The first byte of a request head: the whole head must come within the timeout.
    if (waiting && this.incoming === null && this.queue.length === 0 && !this.parser.idleBetweenMessages) this.arm();
    this.dispatchReady();
  }

  /** Hand completed requests to the application (outside the parser, which may not be re-entered). */
  private dispatchReady(): void {
    const { server } = this;
    while (this.ready.length > 0) {
      const req = this.ready.shift()!;
      server.loop.invoke(server.eventCb, callRequestCb, server, req);
    }
  }

  onHeaders(head: RequestHead): void {
    if (head.contentLength !== null && head.contentLength > this.server.settings.maxBodySize) {
      this.tooLarge(head.contentLength);
      return;
    }
    this.incoming = { head, chunks: [], size: 0 };
    this.trailers = [];
    const bodyComing = head.framing === 'length' || head.framing === 'chunked';
    if (bodyComing) {
      // Time to make progress on the body, restarted by each piece of it.
      this.arm();
      const expect = headerValue('expect', head.headers);
      if (expect !== undefined && expect.toLowerCase() === '100-continue' && head.versionMinor >= 1 && this.queue.length === 0) {
        this.write(`HTTP/1.1 100 Continue${CRLF}${CRLF}`);
      }
    } else {
      this.disarm();
    }
  }

  onBody(chunk: Buffer): void {
    const incoming = this.incoming;
    if (incoming === null) return;
    incoming.size += chunk.length;
    if (incoming.size > this.server.settings.maxBodySize) {
      this.tooLarge(incoming.size);
      return;
    }
    incoming.chunks.push(chunk);
    this.timer?.refresh();
  }

  onTrailers(trailers: HeaderList): void {
    this.trailers = trailers;
  }

  onMessageComplete(): void {
    const incoming = this.incoming;
    if (incoming === null) return;
    this.incoming = null;
    this.disarm();
    const { head, chunks } = incoming;
    const body = chunks.length === 0 ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, incoming.size);
    const req = new HttpRequest(this, head, body, this.trailers);
    this.queue.push({
      req,
      keepAlive: head.keepAlive,
      http10KeepAlive: head.keepAlive && head.versionMinor === 0,
      response: null,
    });
    if (!head.keepAlive) this.closing = true;
    else if (this.queue.length >= MAX_PIPELINED) this.parser.pause();
    this.ready.push(req);
  }

  onUpgrade(): void {
    // CONNECT and protocol upgrades are not served: the request is answered, then the connection closes.
    this.closing = true;
    if (this.incoming !== null) this.onMessageComplete();
  }

  private parseFailed(err: HttpParseError): void {
    if (!(err instanceof HttpParseError)) throw err;
    (err as { socket: unknown }).socket = this.socket;
    this.stopReading();
    this.incoming = null;
    this.server._report(err);
    this.enqueueError(err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400);
  }

  private tooLarge(size: number): void {
    this.parser.pause();
    this.stopReading();
    this.incoming = null;
    this.server._report(
      new HttpError({
        socket: this.socket,
        code: 'HPE_BODY_TOO_LARGE',
        errmsg: `Request body of ${size} bytes or more exceeds maxBodySize (${this.server.settings.maxBodySize})`,
      }),
    );
    this.enqueueError(413);
  }

  private stopReading(): void {
    this.closing = true;
    this.leftover = null;
    this.disarm();
    if (!this.socket.closed) this.socket.pause();
  }

  private enqueueError(status: number): void {
    this.queue.push({ req: null, keepAlive: false, http10KeepAlive: false, response: errorResponse(status) });
    this.flush();
  }

  // -- output --------------------------------------------------------------------------

  /** @internal `httpResponse` for a request of this connection. */
  respond(req: HttpRequest, response: Prepared): void {
    const exchange = this.queue.find((e) => e.req === req);
    if (exchange === undefined || this.gone) {
      // The client went away (or an earlier response closed the connection).
      if (response.body instanceof Readable) response.body.destroy();
      return;
    }
    exchange.response = response;
    if (this.queue[0] === exchange && this.streaming === null) this.flush();
  }

  /** Write the responses at the head of the queue that are ready, in order. */
  private flush(): void {
    while (this.streaming === null && !this.gone) {
      const exchange = this.queue[0];
      if (exchange === undefined || exchange.response === null) break;
      const response = exchange.response;
      const closeAfter =
        !exchange.keepAlive ||
        response.wantsClose ||
        response.closeDelimited ||
        exchange.req === null ||
        (this.queue.length === 1 && this.serverDone());
      this.write(headText(response, closeAfter, exchange.http10KeepAlive && !closeAfter));
      if (closeAfter) this.closeAfterCurrent = true;
      const body = response.body;
      if (body instanceof Readable) {
        this.stream(body, response.chunked);
        return;
      }
      if (body !== null && body.length > 0) {
        if (response.chunked) this.write(body.length.toString(16) + CRLF);
        this.write(body);
        if (response.chunked) this.write(CRLF);
      }
      if (response.chunked && !response.noBody) this.write(LAST_CHUNK);
      this.answered();
    }
  }

  /** The head of the queue has been written completely. */
  private answered(): void {
    this.queue.shift();
    if (this.closeAfterCurrent || (this.queue.length === 0 && (this.closing || this.serverDone()))) {
      // Everything after a response that closes the connection is dropped.
      for (const e of this.queue.splice(0)) if (e.response?.body instanceof Readable) e.response.body.destroy();
      this.disarm();
      this.socket.shutdown(false);
      return;
    }
    if (this.queue.length === 0) this.arm();
    if (this.queue.length < MAX_PIPELINED) this.resumeReading();
  }

  /** The server closed and this connection has nothing received that is not answered. */
  private serverDone(): boolean {
    return this.server.closed && this.incoming === null && this.parser.idleBetweenMessages;
  }

  private resumeReading(): void {
    if (this.closing || this.gone || this.socket.closed) return;
    this.parser.resume();
    this.socket.resume();
    if (this.leftover !== null && !this.resumeScheduled) {
      // On a later turn: this may run inside the application's requestCb.
      this.resumeScheduled = true;
      setImmediate(this.feedLeftover);
    }
  }

  private resumeScheduled = false;

  private readonly feedLeftover = (): void => {
    this.resumeScheduled = false;
    if (this.leftover === null || this.closing || this.gone || this.queue.length >= MAX_PIPELINED) return;
    this.server.loop.invoke(this.server.eventCb, () => this.feed(EMPTY));
  };

  /** Stream a response body: chunk by chunk, pausing it while the socket's buffer is full. */
  private stream(body: Readable, chunked: boolean): void {
    this.streaming = body;
    const socket = this.socket;
    const onData = (piece: Buffer | string): void => {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
      if (chunk.length === 0 || this.gone) return;
      if (chunked) this.write(chunk.length.toString(16) + CRLF);
      let room = this.write(chunk);
      if (chunked) room = this.write(CRLF) && room;
      if (!room && !this.gone) {
        body.pause();
        socket.once('drain', () => body.resume());
      }
    };
    const done = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      this.streaming = null;
    };
    const onEnd = (): void => {
      done();
      if (this.gone) return;
      if (chunked) this.write(LAST_CHUNK);
      this.answered();
      this.flush();
    };
    const onError = (err: Error): void => {
      done();
      this.server._report(
        new HttpError({ socket, code: 'CLASYNC_HTTP_BODY_ERROR', errmsg: `Response body failed: ${err.message}`, cause: err }),
      );
      // The response cannot be completed: the client sees the connection close mid-body.
      this.socket.shutdown(true);
    };
    const onClose = (): void => {
      // Destroyed without 'end' or 'error'.
      if (this.streaming === body) onError(new Error('response body stream closed before its end'));
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    body.once('close', onClose);
  }

  private write(data: string | Buffer): boolean {
    if (this.socket.closed) return true;
    return this.socket.write(data);
  }

  // -- timeouts, events, closing -------------------------------------------------------

  private arm(): void {
    const ms = this.server.settings.idleMs;
    if (ms === 0 || this.gone) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, ms);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    if (this.gone) return;
    this.server.loop.invoke(null, () => this.timedOut());
  };

  private timedOut(): void {
    if (this.queue.length > 0) return; // the application has the floor
    if (this.incoming === null && this.parser.idleBetweenMessages) {
      // An idle keep-alive connection.
      this.closing = true;
      this.socket.shutdown(false);
      return;
    }
    this.stopReading();
    this.incoming = null;
    this.server._report(
      new HttpTimeout({ socket: this.socket, code: 'CLASYNC_HTTP_REQUEST_TIMEOUT', errmsg: 'HTTP request not received in time' }),
    );
    this.enqueueError(408);
  }

  /**
   * @internal The server is closing: an idle connection closes now; otherwise what was
   * received (a request still arriving included) is answered, the last response says
   * `Connection: close`, and then the connection closes.
   */
  serverClosing(): void {
    if (this.gone || this.queue.length > 0 || !this.serverDone()) return;
    this.closing = true;
    this.disarm();
    this.socket.shutdown(false);
  }

  private readonly onEvent = (event: EventInfo): void => {
    const inFlight = this.incoming !== null || this.queue.some((e) => e.req !== null) || !this.parser.idleBetweenMessages;
    if (inFlight && !(event instanceof SocketEof) && !this.closing) this.server._report(event);
  };

  private readonly onClose = (): void => {
    if (this.gone) return;
    this.gone = true;
    this.disarm();
    this.leftover = null;
    this.streaming?.destroy();
    this.streaming = null;
    for (const e of this.queue.splice(0)) if (e.response?.body instanceof Readable) e.response.body.destroy();
    this.server.connections.delete(this);
    this.server.loop.counters.incomingHttpConnections--;
  };
}
