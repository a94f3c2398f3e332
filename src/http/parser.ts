/**
 * Incremental HTTP/1.1 response parser (RFC 9112), for the client. Feed it whatever the socket
 * delivers with `execute(buf)`, and `finish()` at EOF; it calls a `ResponseHandler`.
 *
 * Framing follows RFC 9112 §6.3: no body for a response to HEAD, for 1xx, 204 and 304; a 2xx
 * to CONNECT and a 101 hand the rest of the input over (`onUpgrade`); Transfer-Encoding with
 * chunked last is chunked, any other Transfer-Encoding reads until close; then Content-Length;
 * otherwise read until close. Interim 1xx responses (100, 102, 103, …) go to
 * `onInformational` and parsing goes on with the same request. Since responses come back in
 * request order, the client tells the parser each request's method with `expectResponse`.
 *
 * Error codes and shared machinery: see `wire.ts`. Policies (reference/http.md §3.4): TE with CL
 * is an error; `Content-Length: 5, 5` and repeated Content-Length are errors; only HTTP/1.0 and
 * HTTP/1.1 are accepted; bytes after a response that closes the connection are ignored.
 */

import type { HeaderList } from './headers';
import { CR, LF, SP, latin1, VALUE, WireParser, type Framing, type MessageHandler, type WireOptions } from './wire';

export interface ResponseHead {
  versionMajor: number;
  versionMinor: number;
  status: number;
  /** The reason phrase as latin1 (one char per byte); a client should not rely on it. */
  reason: string;
  headers: HeaderList;
  /** The Content-Length field, or `null` when absent (also reported when it frames nothing). */
  contentLength: number | null;
  framing: Framing;
  /** False when the connection must close after this response (or it was upgraded). */
  keepAlive: boolean;
  /** The request method this response answers. */
  method: string;
}

export interface ResponseHandler extends MessageHandler {
  /** An interim 1xx response other than 101; the final response follows. */
  onInformational?(head: ResponseHead): void;
  /**
   * The final response's status line and header section. For a 101 or a 2xx to CONNECT,
   * `onUpgrade` follows: the parser hands every 101 over, and a client that did not ask for an
   * upgrade treats it as an error.
   */
  onHeaders(head: ResponseHead): void;
}

export interface ResponseParserOptions extends WireOptions {
  /**
   * Accept a response when no `expectResponse` call is outstanding, as an answer to a GET.
   * Default `true`; a client that registers every request sets `false` to make a stray
   * response `HPE_UNSOLICITED_RESPONSE`.
   */
  allowUnsolicited?: boolean;
}

// Status-line sub-states.
const SL_FIXED = 0; // `HTTP/x.y ddd` and the byte after it: checked by position
const SL_REASON = 1;
const SL_LF = 2; //    CR seen

const REASON_START = 13;

export class ResponseParser extends WireParser<ResponseHandler> {
  private readonly allowUnsolicited: boolean;
  /** Methods of the requests still waiting for their final response, oldest first. */
  private readonly methods: string[] = [];
  private sub = SL_FIXED;
  private status = 0;
  private reasonEnd = REASON_START;
  private reason = '';

  constructor(handler: ResponseHandler, options: ResponseParserOptions = {}) {
    super(handler, options);
    this.allowUnsolicited = options.allowUnsolicited !== false;
  }

  /** A request was sent: its response is the next final response not yet matched. */
  expectResponse(method = 'GET'): void {
    this.methods.push(method.toUpperCase());
  }

  /** Requests sent whose final response's header section has not been parsed yet. */
  get pendingResponses(): number {
    return this.methods.length;
  }

  protected beginMessage(i: number): void {
    if (!this.allowUnsolicited && this.methods.length === 0) {
      this.fail('HPE_UNSOLICITED_RESPONSE', 'Response received while no request is outstanding', i);
    }
    this.sub = SL_FIXED;
    this.status = 0;
  }

  protected startLine(buf: Buffer, i: number, end: number): number {
    while (i < end) {
      switch (this.sub) {
        case SL_FIXED:
          if (this.rel(i) === REASON_START - 1 && buf[i] !== SP) {
            // `HTTP/1.1 301` + CRLF: no reason phrase at all
            this.reasonEnd = REASON_START;
            if (this.lineEnd(buf[i], i)) return this.statusLineDone(buf, i);
          } else {
            this.fixedByte(buf[i], i);
          }
          i++;
          break;
        case SL_REASON:
          while (i < end && VALUE[buf[i]] !== 0) i++;
          if (i === end) return i;
          this.reasonEnd = this.rel(i);
          if (this.lineEnd(buf[i], i)) return this.statusLineDone(buf, i);
          i++;
          break;
        default:
          if (buf[i] !== LF) this.fail('HPE_LF_EXPECTED', 'Expected LF after CR', i);
          return this.statusLineDone(buf, i);
      }
    }
    return i;
  }

  /** `HTTP/1.1 200 ` checked byte by byte, so garbage fails before its line ends. */
  private fixedByte(b: number, i: number): void {
    const pos = this.rel(i);
    if (pos < 8) {
      this.versionByte(b, pos, i);
    } else if (pos === 8) {
      if (b !== SP) this.fail('HPE_INVALID_VERSION', 'Expected space after version', i);
    } else if (pos < 12) {
      const d = b - 48;
      if (d < 0 || d > 9) this.fail('HPE_INVALID_STATUS', 'Invalid status code', i);
      this.status = this.status * 10 + d;
      if (pos === 11 && this.status < 100) this.fail('HPE_INVALID_STATUS', 'Invalid status code', i);
    } else {
      this.sub = SL_REASON;
    }
  }

  /** True when `b` is the LF ending the line (lenient); CR moves on to expect LF. */
  private lineEnd(b: number, i: number): boolean {
    if (b === CR) {
      this.sub = SL_LF;
      return false;
    }
    if (b !== LF) this.fail('HPE_INVALID_STATUS', 'Invalid response status', i);
    if (!this.lenient) this.fail('HPE_CR_EXPECTED', 'Missing expected CR after response line', i);
    return true;
  }

  private statusLineDone(buf: Buffer, lf: number): number {
    const src = this.startLineDone(buf, lf);
    const base = this.lineBase;
    this.reason = this.reasonEnd > REASON_START ? latin1(src, base + REASON_START, base + this.reasonEnd) : '';
    return lf + 1;
  }

  protected headersComplete(buf: Buffer, i: number): number {
    const status = this.status;
    const hasLength = this.contentLength !== -1;
    if (hasLength && this.transferEncoding) {
      this.fail('HPE_CL_TE_CONFLICT', 'Content-Length together with Transfer-Encoding', i - 1);
    }
    const interim = status < 200 && status !== 101;
    const method = this.methods.length === 0 ? 'GET' : interim ? this.methods[0] : (this.methods.shift() as string);
    let framing: Framing;
    if (status === 101 || (method === 'CONNECT' && status < 300 && !interim)) framing = 'upgrade';
    else if (interim || status === 204 || status === 304 || method === 'HEAD') framing = 'none';
    else if (this.transferEncoding) framing = this.chunkedLast ? 'chunked' : 'close';
    else if (hasLength) framing = 'length';
    else framing = 'close';
    const keepAlive = framing !== 'upgrade' && this.computeKeepAlive(framing);
    const head: ResponseHead = {
      versionMajor: this.versionMajor,
      versionMinor: this.versionMinor,
      status,
      reason: this.reason,
      headers: this.headers,
      contentLength: hasLength ? this.contentLength : null,
      framing,
      keepAlive,
      method,
    };
    if (interim) {
      this.handler.onInformational?.(head);
      return this.interimDone(i);
    }
    this.handler.onHeaders(head);
    return this.startBody(buf, i, framing, keepAlive);
  }
}
