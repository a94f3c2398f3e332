/**
 * Incremental HTTP/1.1 request parser (RFC 9112), for the server. Same machinery, limits,
 * strictness and error codes as the response parser (see `wire.ts`).
 *
 * Framing (RFC 9112 §6.3 rules 3, 4, 6, 7): Content-Length with Transfer-Encoding is an error;
 * Transfer-Encoding must end in chunked (else `HPE_INVALID_TRANSFER_ENCODING`: the length cannot
 * be known); then Content-Length; otherwise no body. CONNECT hands the connection over right
 * after the header section; `Connection: upgrade` with an `Upgrade` field hands it over after
 * the request's body. Either way `onUpgrade` receives the bytes that followed.
 */

import type { HeaderList } from './headers';
import { CR, LF, SP, latin1, TOKEN, WireParser, type Framing, type MessageHandler, type WireOptions } from './wire';

export interface RequestHead {
  method: string;
  /** The request-target exactly as sent (origin-form, absolute-form, authority-form or `*`). */
  target: string;
  versionMajor: number;
  versionMinor: number;
  headers: HeaderList;
  contentLength: number | null;
  framing: Framing;
  /** False when the connection must close after the response to this request. */
  keepAlive: boolean;
  /** The client asked to switch protocols (CONNECT, or Upgrade with `Connection: upgrade`). */
  upgrade: boolean;
}

export interface RequestHandler extends MessageHandler {
  onHeaders(head: RequestHead): void;
}

export type RequestParserOptions = WireOptions;

// Request-line sub-states.
const RL_METHOD = 0;
const RL_TARGET = 1;
const RL_VERSION = 2; // checked by position from `versionStart`
const RL_LF = 3;

export class RequestParser extends WireParser<RequestHandler> {
  private sub = RL_METHOD;
  private methodEnd = 0;
  private targetStart = 0;
  private versionStart = 0;
  private method = '';
  private target = '';

  constructor(handler: RequestHandler, options: RequestParserOptions = {}) {
    super(handler, options);
  }

  protected beginMessage(): void {
    this.sub = RL_METHOD;
  }

  protected startLine(buf: Buffer, i: number, end: number): number {
    while (i < end) {
      switch (this.sub) {
        case RL_METHOD: {
          while (i < end && TOKEN[buf[i]] !== 0) i++;
          if (i === end) return i;
          if (buf[i] !== SP || (this.methodEnd = this.rel(i)) === 0) this.fail('HPE_INVALID_METHOD', 'Invalid method', i);
          this.targetStart = this.rel(++i);
          this.sub = RL_TARGET;
          break;
        }
        case RL_TARGET: {
          while (i < end && buf[i] > SP && buf[i] < 0x7f) i++;
          if (i === end) return i;
          if (buf[i] !== SP || this.rel(i) === this.targetStart) this.fail('HPE_INVALID_URL', 'Invalid request-target', i);
          this.versionStart = this.rel(++i);
          this.sub = RL_VERSION;
          break;
        }
        case RL_VERSION: {
          const b = buf[i];
          const pos = this.rel(i) - this.versionStart;
          if (pos < 8) {
            this.versionByte(b, pos, i);
          } else if (b === CR) {
            this.sub = RL_LF;
          } else if (b === LF && this.lenient) {
            return this.requestLineDone(buf, i);
          } else {
            this.fail(b === LF ? 'HPE_CR_EXPECTED' : 'HPE_INVALID_VERSION', 'Expected CRLF after version', i);
          }
          i++;
          break;
        }
        default: {
          if (buf[i] !== LF) this.fail('HPE_LF_EXPECTED', 'Expected LF after CR', i);
          return this.requestLineDone(buf, i);
        }
      }
    }
    return i;
  }

  private requestLineDone(buf: Buffer, lf: number): number {
    const src = this.startLineDone(buf, lf);
    const base = this.lineBase;
    this.method = latin1(src, base, base + this.methodEnd);
    this.target = latin1(src, base + this.targetStart, base + this.versionStart - 1);
    return lf + 1;
  }

  protected headersComplete(buf: Buffer, i: number): number {
    const hasLength = this.contentLength !== -1;
    if (hasLength && this.transferEncoding) {
      this.fail('HPE_CL_TE_CONFLICT', 'Content-Length together with Transfer-Encoding', i - 1);
    }
    let framing: Framing;
    if (this.method === 'CONNECT') {
      framing = 'upgrade';
    } else if (this.transferEncoding) {
      if (!this.chunkedLast) {
        this.fail('HPE_INVALID_TRANSFER_ENCODING', 'Request has invalid Transfer-Encoding', i - 1);
      }
      framing = 'chunked';
    } else {
      framing = hasLength && this.contentLength > 0 ? 'length' : 'none';
    }
    const upgradeAfterBody = framing !== 'upgrade' && this.connectionUpgrade && this.upgradeHeader;
    const keepAlive = framing !== 'upgrade' && !upgradeAfterBody && this.computeKeepAlive(framing);
    this.handler.onHeaders({
      method: this.method,
      target: this.target,
      versionMajor: this.versionMajor,
      versionMinor: this.versionMinor,
      headers: this.headers,
      contentLength: hasLength ? this.contentLength : null,
      framing,
      keepAlive,
      upgrade: framing === 'upgrade' || upgradeAfterBody,
    });
    return this.startBody(buf, i, framing, keepAlive, upgradeAfterBody);
  }
}
