/**
 * HTTP/1.1 wire machinery shared by the response parser (`parser.ts`) and the request parser
 * (`request-parser.ts`): field lines, body framing (Content-Length, chunked with extensions and
 * trailers, read-until-close), message boundaries, limits and errors. Subclasses supply the
 * start line and the framing decision at the end of the header section.
 *
 * The parser is a byte-driven state machine. Every state resumes at any byte, so a message split
 * at any offset gives the same events as the whole message in one buffer. Lines are scanned in
 * place; only a line cut by a buffer boundary is copied (into a reusable buffer bounded by
 * `maxHeaderSize`). Body bytes are handed on as zero-copy `subarray` slices of the input.
 *
 * Header names and values are decoded (latin1) once per field line, when the line ends: the
 * parser needs Content-Length, Transfer-Encoding and Connection itself, every consumer wants the
 * whole list, and decoding at once means no input buffer is retained after `execute` returns.
 *
 * Every parse failure is an `HttpParseError`; after one, the parser stays failed and rethrows
 * it. Codes (llhttp's names where llhttp has the rule):
 *
 *   HPE_INVALID_CONSTANT           the start line's version does not begin with `HTTP/`
 *   HPE_INVALID_VERSION            a version other than HTTP/1.0 or HTTP/1.1, or no SP/CRLF after it
 *   HPE_INVALID_STATUS             status not three digits in 100..999, or a bad reason byte
 *   HPE_INVALID_METHOD             request method not a token
 *   HPE_INVALID_URL                request-target empty or with a byte outside VCHAR
 *   HPE_CR_EXPECTED                LF without CR (strict mode)
 *   HPE_LF_EXPECTED                CR not followed by LF
 *   HPE_UNEXPECTED_SPACE           whitespace at the start of the first field line of a section
 *   HPE_OBS_FOLD                   obs-fold continuation line (strict mode)
 *   HPE_INVALID_HEADER_TOKEN       bad field-name byte, space before the colon, no colon, bad value byte
 *   HPE_HEADER_OVERFLOW            header or trailer section larger than `maxHeaderSize`
 *   HPE_INVALID_CONTENT_LENGTH     Content-Length not 1*DIGIT (lists included) or above 2^53-1
 *   HPE_UNEXPECTED_CONTENT_LENGTH  Content-Length repeated (even with the same value)
 *   HPE_CL_TE_CONFLICT             Content-Length together with Transfer-Encoding
 *   HPE_INVALID_TRANSFER_ENCODING  (requests) Transfer-Encoding whose last coding is not chunked
 *   HPE_INVALID_CHUNK_SIZE         chunk size empty, not hex, above 2^53-1, or followed by junk
 *   HPE_STRICT                     malformed chunk extension, or no CRLF after chunk data
 *   HPE_CHUNK_EXTENSIONS_OVERFLOW  chunk extensions longer than `maxChunkExtensionSize`
 *   HPE_INVALID_EOF_STATE          `finish()` (EOF) in the middle of a message
 *   HPE_UNSOLICITED_RESPONSE       (responses) a response with no request outstanding
 */

import { HttpParseError } from '../errors';
import type { HeaderList } from './headers';

export interface WireOptions {
  /**
   * Accept a bare LF as a line end and unfold obs-fold continuation lines into one SP
   * (RFC 9112 §2.2, §5.2). Default `false`: both are errors. A bare CR is always an error.
   */
  lenient?: boolean;
  /** Largest header section (start line to blank line) and largest trailer section, in bytes. Default 16 KiB. */
  maxHeaderSize?: number;
  /** Largest chunk-extension text after one chunk size, in bytes (RFC 9112 §7.1.1). Default 16 KiB. */
  maxChunkExtensionSize?: number;
}

/**
 * How a message body is delimited: `none` (no body), `length` (Content-Length), `chunked`,
 * `close` (read until the connection closes) or `upgrade` (the bytes after the header section
 * belong to another protocol: 101, CONNECT).
 */
export type Framing = 'none' | 'length' | 'chunked' | 'close' | 'upgrade';

/** Events common to requests and responses. Called synchronously from `execute`/`finish`. */
export interface MessageHandler {
  /** A slice of the input (never a copy): valid as long as the buffer given to `execute`. */
  onBody(chunk: Buffer): void;
  /** Trailer fields of a chunked message, when there are any; before `onMessageComplete`. */
  onTrailers?(trailers: HeaderList): void;
  onMessageComplete(): void;
  /** The connection now carries another protocol; `rest` holds the bytes already received for it. */
  onUpgrade?(rest: Buffer): void;
}

export const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
export const DEFAULT_MAX_CHUNK_EXTENSION_SIZE = 16 * 1024;

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HT = 9;
const COLON = 58;
const SEMI = 59;
const EQUALS = 61;
const DQUOTE = 34;
const BACKSLASH = 92;

/** tchar (RFC 9110 §5.6.2): 1 for most, 2 for A-Z (so a name needs lower-casing), 0 otherwise. */
export const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 2;
const UPPER = 2;

/** A field name's hash, as the name scan computes it (ASCII case folded by `| 0x20`). */
function nameHash(name: string): number {
  let h = 0;
  for (let k = 0; k < name.length; k++) h = (Math.imul(h, 31) + (name.charCodeAt(k) | 0x20)) | 0;
  return h;
}

/**
 * Field names common in responses and requests, by hash: a matching name is taken from here
 * instead of being decoded and lower-cased, which saves two string allocations per field.
 */
const COMMON_NAMES = new Map<number, string>();
for (const name of [
  'accept', 'accept-encoding', 'accept-language', 'accept-ranges', 'access-control-allow-origin', 'age',
  'alt-svc', 'authorization', 'cache-control', 'connection', 'content-disposition', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-range', 'content-security-policy',
  'content-type', 'cookie', 'date', 'etag', 'expect', 'expires', 'host', 'if-match', 'if-modified-since',
  'if-none-match', 'keep-alive', 'last-modified', 'link', 'location', 'origin', 'pragma', 'proxy-authenticate',
  'range', 'referer', 'referrer-policy', 'retry-after', 'server', 'set-cookie', 'strict-transport-security',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'www-authenticate',
  'x-content-type-options', 'x-frame-options', 'x-powered-by', 'x-request-id',
]) {
  const hash = nameHash(name);
  if (!COMMON_NAMES.has(hash)) COMMON_NAMES.set(hash, name);
}

/** field-value bytes (RFC 9110 §5.5): VCHAR, obs-text, SP and HTAB are 1. */
export const VALUE = new Uint8Array(256);
for (let c = 0x20; c <= 0xff; c++) VALUE[c] = c === 0x7f ? 0 : 1;
VALUE[HT] = 1;

/** Hex digit values, 0xff for anything else. */
const HEX = new Uint8Array(256).fill(0xff);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[65 + c] = HEX[97 + c] = 10 + c;

/** qdtext and quoted-pair's second byte (RFC 9110 §5.6.4), 1 when allowed. */
const QDTEXT = new Uint8Array(256);
for (let c = 0x20; c <= 0xff; c++) QDTEXT[c] = c === DQUOTE || c === BACKSLASH || c === 0x7f ? 0 : 1;
QDTEXT[HT] = 1;

/** Larger than this, one more hex digit would pass 2^53 - 1. */
const MAX_SIZE_BEFORE_DIGIT = 0x1ffffffffffff;

// States. The header-section states form one range (they buffer a partial line at a buffer end).
const S_IDLE = 0; //               between messages: skip CR/LF, then a start line begins
const S_START_LINE = 1; //         subclass scans the start line (its own sub-state)
const S_FIELD_START = 2; //        first byte of a field line, or of the blank line
const S_FIELD_NAME = 3;
const S_FIELD_OWS = 4; //          after the colon (or the fold's leading whitespace)
const S_FIELD_VALUE = 5;
const S_FIELD_LF = 6; //           CR seen at the end of a field line
const S_BLANK_LF = 7; //           CR seen at the start of the blank line
const S_BODY_LENGTH = 8;
const S_CHUNK_SIZE_START = 9;
const S_CHUNK_SIZE = 10;
const S_CHUNK_SIZE_LF = 11; //     CR seen at the end of the chunk-size line
// chunk extensions: a range, so every byte in them is counted against the limit
const S_EXT_BWS = 12; //           whitespace after the size: only `;` may follow
const S_EXT_NAME_START = 13;
const S_EXT_NAME = 14;
const S_EXT_AFTER_NAME = 15;
const S_EXT_VALUE_START = 16;
const S_EXT_TOKEN = 17;
const S_EXT_QUOTED = 18;
const S_EXT_QUOTED_ESCAPE = 19;
const S_EXT_QUOTED_END = 20;
const S_EXT_AFTER_VALUE = 21;
const S_CHUNK_DATA = 22;
const S_CHUNK_DATA_CR = 23;
const S_CHUNK_DATA_LF = 24;
const S_BODY_CLOSE = 25; //        read until close
const S_CLOSED = 26; //            after a message that ends the connection: input is ignored
const S_UPGRADED = 27; //          after 101 / CONNECT / Upgrade: input is not HTTP any more
const S_FINISHED = 28; //          after finish()
const S_ERROR = 29;

const EMPTY = Buffer.alloc(0);
const HTTP_SLASH = [72, 84, 84, 80, 47];

type Latin1Sliceable = Buffer & { latin1Slice(start: number, end: number): string };
/**
 * `buf.toString('latin1', start, end)` without its argument handling, which costs more than the
 * decoding for short header strings. `latin1Slice` is the method `toString` itself calls, so every
 * Buffer that can decode latin1 has it.
 */
export const latin1 = (buf: Buffer, start: number, end: number): string => (buf as Latin1Sliceable).latin1Slice(start, end);

export abstract class WireParser<H extends MessageHandler> {
  protected readonly handler: H;
  protected readonly lenient: boolean;
  private readonly maxHeaderSize: number;
  private readonly maxChunkExtensionSize: number;

  private state = S_IDLE;
  private error: HttpParseError | null = null;
  private paused = false;
  /** Stream offset of the current input buffer's first byte (for error offsets). */
  private offset = 0;

  // The line being scanned: bytes already stashed from earlier buffers, then buf[lineMark..].
  private pend: Buffer = EMPTY;
  private pendLen = 0;
  private lineMark = 0;
  /** Where the line just completed starts in the buffer `startLineDone` returned. */
  protected lineBase = 0;
  /** Bytes of the current header or trailer section before the current line. */
  private sectionBytes = 0;

  // Field-line scanning, offsets relative to the start of the line.
  private nameEnd = 0;
  private nameFlags = 0;
  private nameHash = 0;
  private valueStart = 0;
  private valueEnd = 0;
  private folding = false;
  /** The last field line, kept until the next line shows it is not continued (obs-fold). */
  private heldName: string | null = null;
  private heldValue = '';
  private inTrailers = false;

  // The current message.
  protected headers: HeaderList = [];
  private trailers: HeaderList = [];
  protected versionMajor = 1;
  protected versionMinor = 1;
  /** -1 when absent. */
  protected contentLength = -1;
  protected transferEncoding = false;
  protected chunkedLast = false;
  protected connectionClose = false;
  protected connectionKeepAlive = false;
  protected connectionUpgrade = false;
  protected upgradeHeader = false;
  private keepAlive = true;
  private upgradeAfterBody = false;
  private remaining = 0;
  private extBytes = 0;

  constructor(handler: H, options: WireOptions = {}) {
    this.handler = handler;
    this.lenient = options.lenient === true;
    this.maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
    this.maxChunkExtensionSize = options.maxChunkExtensionSize ?? DEFAULT_MAX_CHUNK_EXTENSION_SIZE;
  }

  /**
   * Parse `buf`, calling the handler for each event. Returns the number of bytes consumed:
   * `buf.length`, or less when a handler called `pause()` or the connection was upgraded (the
   * bytes from there on are not this parser's). Throws `HttpParseError` on malformed input.
   */
  execute(buf: Buffer): number {
    if (this.error !== null) throw this.error;
    if (this.state === S_FINISHED) throw new Error('HTTP parser: execute() after finish()');
    const len = buf.length;
    let i = 0;
    while (i < len && !this.paused) {
      switch (this.state) {
        case S_IDLE:
          i = this.idle(buf, i, len);
          break;
        case S_START_LINE:
        case S_FIELD_START:
        case S_FIELD_NAME:
        case S_FIELD_OWS:
        case S_FIELD_VALUE:
        case S_FIELD_LF:
        case S_BLANK_LF:
          i = this.section(buf, i, len);
          break;
        case S_BODY_LENGTH:
          i = this.bodyLength(buf, i, len);
          break;
        case S_CHUNK_DATA:
          i = this.chunkData(buf, i, len);
          break;
        case S_BODY_CLOSE:
          this.handler.onBody(i === 0 ? buf : buf.subarray(i));
          i = len;
          break;
        case S_CLOSED:
          i = len;
          break;
        case S_UPGRADED:
          this.offset += i;
          return i;
        default:
          i = this.chunkFraming(buf, i, len);
      }
    }
    if (this.state >= S_START_LINE && this.state <= S_BLANK_LF) {
      this.stash(buf, this.lineMark, len);
      this.lineMark = 0;
    }
    this.offset += i;
    return i;
  }

  /**
   * The input ended (the peer closed). Completes a read-until-close body; anywhere else inside
   * a message this is `HPE_INVALID_EOF_STATE`. `cleanClose: false` says the close was not clean
   * (e.g. TLS without close_notify), which makes a read-until-close body incomplete too.
   */
  finish(cleanClose = true): void {
    if (this.error !== null) throw this.error;
    const state = this.state;
    this.state = S_FINISHED;
    if (state === S_BODY_CLOSE && cleanClose) {
      this.handler.onMessageComplete();
      return;
    }
    if (state !== S_IDLE && state !== S_CLOSED && state !== S_UPGRADED && state !== S_FINISHED) {
      this.state = state;
      this.fail('HPE_INVALID_EOF_STATE', 'Connection closed before the message was complete', 0);
    }
  }

  /** Stop `execute` after the current callback returns; it returns the bytes consumed so far. */
  pause(): void {
    this.paused = true;
  }

  /** Undo `pause()`; feed the bytes `execute` did not consume again. */
  resume(): void {
    this.paused = false;
  }

  /** True between messages: no byte of a next message has been seen. */
  get idleBetweenMessages(): boolean {
    return this.state === S_IDLE;
  }

  /** True once the current connection can carry no further HTTP message (close or upgrade). */
  get connectionDone(): boolean {
    return this.state === S_CLOSED || this.state === S_UPGRADED;
  }

  // ---- hooks for subclasses -------------------------------------------------------------

  /** A new message starts at `buf[i]` (called before its start line is scanned). */
  protected abstract beginMessage(i: number): void;

  /** Scan the start line from `buf[i]` up to `end`; call `startLineDone` at its LF. */
  protected abstract startLine(buf: Buffer, i: number, end: number): number;

  /** The blank line ended at `i`: call the handler and `startBody` (or go idle for a 1xx). */
  protected abstract headersComplete(buf: Buffer, i: number): number;

  /** Line-relative offset of `buf[i]` in the line being scanned. */
  protected rel(i: number): number {
    return this.pendLen + i - this.lineMark;
  }

  /**
   * The start line's LF is at `lf`. Returns the buffer holding the whole line, whose first byte
   * is at `this.lineBase`, and moves on to the field lines.
   */
  protected startLineDone(buf: Buffer, lf: number): Buffer {
    const src = this.lineAt(buf, lf);
    this.state = S_FIELD_START;
    return src;
  }

  protected fail(code: string, errmsg: string, i: number): never {
    const err = new HttpParseError({ code, errmsg, offset: this.offset + i });
    this.error = err;
    this.state = S_ERROR;
    throw err;
  }

  /** Byte `pos` (0..7) of `HTTP/x.y`; only HTTP/1.0 and HTTP/1.1 are accepted. */
  protected versionByte(b: number, pos: number, i: number): void {
    if (pos < 5) {
      if (b !== HTTP_SLASH[pos]) this.fail('HPE_INVALID_CONSTANT', 'Expected HTTP/', i);
    } else if (pos === 6) {
      if (b !== 46) this.fail('HPE_INVALID_VERSION', 'Expected dot', i);
    } else {
      const d = b - 48;
      if (d < 0 || d > 9) this.fail('HPE_INVALID_VERSION', 'Invalid HTTP version', i);
      if (pos === 5) this.versionMajor = d;
      else if (this.versionMajor !== 1 || d > 1) this.fail('HPE_INVALID_VERSION', 'Invalid HTTP version', i);
      else this.versionMinor = d;
    }
  }

  /** Whether the connection stays usable after this message (RFC 9112 §9.3, §6.1). */
  protected computeKeepAlive(framing: Framing): boolean {
    if (framing === 'close') return false;
    if (this.connectionClose) return false;
    if (this.versionMinor === 0) return this.connectionKeepAlive && !this.transferEncoding;
    return true;
  }

  /** Begin the body the subclass chose; `i` is the first byte after the header section. */
  protected startBody(buf: Buffer, i: number, framing: Framing, keepAlive: boolean, upgradeAfterBody = false): number {
    this.keepAlive = keepAlive;
    this.upgradeAfterBody = upgradeAfterBody;
    switch (framing) {
      case 'length':
        if (this.contentLength === 0) return this.messageDone(buf, i);
        this.remaining = this.contentLength;
        this.state = S_BODY_LENGTH;
        return i;
      case 'chunked':
        this.state = S_CHUNK_SIZE_START;
        return i;
      case 'close':
        this.state = S_BODY_CLOSE;
        return i;
      case 'upgrade':
        return this.upgrade(buf, i);
      default:
        return this.messageDone(buf, i);
    }
  }

  /** An interim (1xx) message ended at `i`: wait for the next message on the same connection. */
  protected interimDone(i: number): number {
    this.state = S_IDLE;
    return i;
  }

  // ---- message boundaries ---------------------------------------------------------------

  private idle(buf: Buffer, i: number, len: number): number {
    // Stray CR/LF between messages are skipped (RFC 9112 §2.2 robustness; llhttp does too).
    while (i < len && (buf[i] === CR || buf[i] === LF)) i++;
    if (i === len) return i;
    this.headers = [];
    this.trailers = [];
    this.contentLength = -1;
    this.transferEncoding = this.chunkedLast = false;
    this.connectionClose = this.connectionKeepAlive = this.connectionUpgrade = this.upgradeHeader = false;
    this.heldName = null;
    this.inTrailers = false;
    this.sectionBytes = 0;
    this.pendLen = 0;
    this.lineMark = i;
    this.state = S_START_LINE;
    this.beginMessage(i);
    return i;
  }

  private messageDone(buf: Buffer, i: number): number {
    const upgrade = this.upgradeAfterBody;
    this.state = upgrade ? S_UPGRADED : this.keepAlive ? S_IDLE : S_CLOSED;
    this.handler.onMessageComplete();
    if (upgrade) this.handler.onUpgrade?.(buf.subarray(i));
    return i;
  }

  private upgrade(buf: Buffer, i: number): number {
    this.state = S_UPGRADED;
    this.handler.onUpgrade?.(buf.subarray(i));
    return i;
  }

  // ---- header and trailer sections ----------------------------------------------------

  /** Scan header-section bytes, never past the `maxHeaderSize` budget. */
  private section(buf: Buffer, i: number, len: number): number {
    const budgetEnd = this.lineMark - this.pendLen + this.maxHeaderSize - this.sectionBytes;
    const end = budgetEnd < len ? budgetEnd : len;
    const next = this.state === S_START_LINE ? this.startLine(buf, i, end) : this.fields(buf, i, end);
    if (next >= end && end < len && this.state >= S_START_LINE && this.state <= S_BLANK_LF) {
      this.fail('HPE_HEADER_OVERFLOW', 'Header section exceeds maxHeaderSize', end);
    }
    return next;
  }

  private fields(buf: Buffer, i: number, end: number): number {
    let state = this.state;
    while (i < end) {
      switch (state) {
        case S_FIELD_START: {
          const b = buf[i];
          if (b === CR) {
            state = S_BLANK_LF;
            i++;
            break;
          }
          if (b === LF) {
            if (!this.lenient) this.fail('HPE_CR_EXPECTED', 'Missing expected CR after header section', i);
            this.state = state;
            return this.sectionDone(buf, i + 1);
          }
          if (b === SP || b === HT) {
            if (this.heldName === null) this.fail('HPE_UNEXPECTED_SPACE', 'Unexpected space after start line', i);
            if (!this.lenient) this.fail('HPE_OBS_FOLD', 'Obsolete line folding (obs-fold) in a field', i);
            this.folding = true;
            state = S_FIELD_OWS;
            i++;
            break;
          }
          if (this.heldName !== null) this.commitHeld(i);
          this.nameFlags = this.nameHash = 0;
          state = S_FIELD_NAME;
          break;
        }
        case S_FIELD_NAME: {
          let flags = this.nameFlags;
          let hash = this.nameHash;
          while (i < end) {
            const b = buf[i];
            const t = TOKEN[b];
            if (t === 0) break;
            flags |= t;
            hash = (Math.imul(hash, 31) + (b | 0x20)) | 0;
            i++;
          }
          this.nameFlags = flags;
          this.nameHash = hash;
          if (i === end) break;
          if (buf[i] !== COLON || (this.nameEnd = this.rel(i)) === 0) {
            this.fail('HPE_INVALID_HEADER_TOKEN', 'Invalid header token', i);
          }
          state = S_FIELD_OWS;
          i++;
          break;
        }
        case S_FIELD_OWS: {
          while (i < end && (buf[i] === SP || buf[i] === HT)) i++;
          if (i === end) break;
          this.valueStart = this.valueEnd = this.rel(i);
          state = S_FIELD_VALUE;
          break;
        }
        case S_FIELD_VALUE: {
          const start = i;
          for (; i < end; i++) {
            const b = buf[i];
            if (b < SP ? b !== HT : b === 0x7f) break;
          }
          // trailing OWS is not part of the value: end it after the last other byte seen
          let last = i - 1;
          while (last >= start && (buf[last] === SP || buf[last] === HT)) last--;
          if (last >= start) this.valueEnd = this.rel(last) + 1;
          if (i === end) break;
          const b = buf[i];
          if (b === CR) {
            state = S_FIELD_LF;
            i++;
          } else if (b === LF && this.lenient) {
            this.fieldDone(buf, i++);
            state = S_FIELD_START;
          } else if (b === LF) {
            this.fail('HPE_CR_EXPECTED', 'Missing expected CR after header value', i);
          } else {
            this.fail('HPE_INVALID_HEADER_TOKEN', 'Invalid header value char', i);
          }
          break;
        }
        case S_FIELD_LF: {
          if (buf[i] !== LF) this.fail('HPE_LF_EXPECTED', 'Missing expected LF after header value', i);
          this.fieldDone(buf, i++);
          state = S_FIELD_START;
          break;
        }
        default: {
          // S_BLANK_LF
          if (buf[i] !== LF) this.fail('HPE_LF_EXPECTED', 'Missing expected LF after header section', i);
          this.state = state;
          return this.sectionDone(buf, i + 1);
        }
      }
    }
    this.state = state;
    return i;
  }

  /** The field line ends with the LF at `lf`: decode it and hold it. */
  private fieldDone(buf: Buffer, lf: number): void {
    const src = this.lineAt(buf, lf);
    const base = this.lineBase;
    const value =
      this.valueEnd > this.valueStart ? latin1(src, base + this.valueStart, base + this.valueEnd) : '';
    if (this.folding) {
      // RFC 9112 §5.2: a user agent replaces each obs-fold with SP.
      this.folding = false;
      if (value !== '') this.heldValue = this.heldValue === '' ? value : this.heldValue + ' ' + value;
      return;
    }
    this.heldName = this.commonName(src, base) ?? this.decodeName(src, base);
    this.heldValue = value;
  }

  private commonName(src: Buffer, base: number): string | undefined {
    const name = COMMON_NAMES.get(this.nameHash);
    if (name === undefined || name.length !== this.nameEnd) return undefined;
    // `| 0x20` folds only A-Z onto a-z among token bytes, and common names are a-z, 0-9 and `-`
    for (let k = 0; k < name.length; k++) if ((src[base + k] | 0x20) !== name.charCodeAt(k)) return undefined;
    return name;
  }

  private decodeName(src: Buffer, base: number): string {
    const name = latin1(src, base, base + this.nameEnd);
    return (this.nameFlags & UPPER) !== 0 ? name.toLowerCase() : name;
  }

  /** The line ending at `lf` is complete: the buffer holding it (from `lineBase`). */
  private lineAt(buf: Buffer, lf: number): Buffer {
    this.sectionBytes += this.pendLen + lf + 1 - this.lineMark;
    let src = buf;
    if (this.pendLen === 0) {
      this.lineBase = this.lineMark;
    } else {
      this.stash(buf, this.lineMark, lf);
      src = this.pend;
      this.lineBase = 0;
      this.pendLen = 0;
    }
    this.lineMark = lf + 1;
    return src;
  }

  private stash(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    const need = this.pendLen + n;
    if (need > this.pend.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.pend.length * 2, 256));
      this.pend.copy(grown, 0, 0, this.pendLen);
      this.pend = grown;
    }
    buf.copy(this.pend, this.pendLen, start, end);
    this.pendLen = need;
  }

  private sectionDone(buf: Buffer, i: number): number {
    this.sectionBytes += this.pendLen + i - this.lineMark;
    this.pendLen = 0;
    if (this.heldName !== null) this.commitHeld(i - 1);
    if (!this.inTrailers) return this.headersComplete(buf, i);
    this.inTrailers = false;
    if (this.trailers.length !== 0) this.handler.onTrailers?.(this.trailers);
    return this.messageDone(buf, i);
  }

  private commitHeld(i: number): void {
    const name = this.heldName as string;
    const value = this.heldValue;
    this.heldName = null;
    if (this.inTrailers) {
      this.trailers.push([name, value]);
      return;
    }
    this.headers.push([name, value]);
    switch (name) {
      case 'content-length':
        this.parseContentLength(value, i);
        break;
      case 'transfer-encoding':
        this.parseTransferEncoding(value);
        break;
      case 'connection':
        this.parseConnection(value);
        break;
      case 'upgrade':
        this.upgradeHeader = true;
        break;
    }
  }

  private parseContentLength(value: string, i: number): void {
    // RFC 9112 §6.3 rule 5: a repeated or list Content-Length is rejected, even `5, 5` (policy).
    if (this.contentLength !== -1) this.fail('HPE_UNEXPECTED_CONTENT_LENGTH', 'Duplicate Content-Length', i);
    if (value.length === 0) this.fail('HPE_INVALID_CONTENT_LENGTH', 'Empty Content-Length', i);
    let n = 0;
    for (let k = 0; k < value.length; k++) {
      const d = value.charCodeAt(k) - 48;
      if (d < 0 || d > 9) this.fail('HPE_INVALID_CONTENT_LENGTH', 'Invalid character in Content-Length', i);
      n = n * 10 + d;
      if (n > Number.MAX_SAFE_INTEGER) this.fail('HPE_INVALID_CONTENT_LENGTH', 'Content-Length overflow', i);
    }
    this.contentLength = n;
  }

  private parseTransferEncoding(value: string): void {
    this.transferEncoding = true;
    // Only the last coding matters for framing; empty list elements are ignored (RFC 9110 §5.6.1).
    for (const item of value.split(',')) {
      const semi = item.indexOf(';');
      const coding = (semi === -1 ? item : item.slice(0, semi)).trim();
      if (coding !== '') this.chunkedLast = coding.toLowerCase() === 'chunked';
    }
  }

  private parseConnection(value: string): void {
    const lower = value.toLowerCase();
    if (lower.indexOf(',') === -1) this.connectionOption(lower);
    else for (const item of lower.split(',')) this.connectionOption(item.trim());
  }

  private connectionOption(option: string): void {
    if (option === 'close') this.connectionClose = true;
    else if (option === 'keep-alive') this.connectionKeepAlive = true;
    else if (option === 'upgrade') this.connectionUpgrade = true;
  }

  // ---- bodies ----------------------------------------------------------------------------

  private bodyLength(buf: Buffer, i: number, len: number): number {
    const remaining = this.remaining;
    if (len - i < remaining) {
      this.remaining = remaining - (len - i);
      this.handler.onBody(i === 0 ? buf : buf.subarray(i));
      return len;
    }
    const end = i + remaining;
    this.remaining = 0;
    this.handler.onBody(i === 0 && end === len ? buf : buf.subarray(i, end));
    return this.messageDone(buf, end);
  }

  private chunkData(buf: Buffer, i: number, len: number): number {
    const remaining = this.remaining;
    if (len - i < remaining) {
      this.remaining = remaining - (len - i);
      this.handler.onBody(i === 0 ? buf : buf.subarray(i));
      return len;
    }
    const end = i + remaining;
    this.remaining = 0;
    this.state = S_CHUNK_DATA_CR;
    this.handler.onBody(buf.subarray(i, end));
    return end;
  }

  /** Chunk-size lines (with extensions) and the CRLF after chunk data. */
  private chunkFraming(buf: Buffer, i: number, len: number): number {
    let state = this.state;
    while (i < len) {
      const b = buf[i];
      // Chunk-extension text (from the `;` or BWS after the size up to CR) is bounded.
      if (
        ((state >= S_EXT_BWS && state <= S_EXT_AFTER_VALUE && b !== CR && b !== LF) ||
          (state === S_CHUNK_SIZE && (b === SEMI || b === SP || b === HT))) &&
        ++this.extBytes > this.maxChunkExtensionSize
      ) {
        this.fail('HPE_CHUNK_EXTENSIONS_OVERFLOW', 'Chunk extensions exceed maxChunkExtensionSize', i);
      }
      switch (state) {
        case S_CHUNK_SIZE_START: {
          const d = HEX[b];
          if (d === 0xff) this.fail('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size', i);
          this.remaining = d;
          this.extBytes = 0;
          state = S_CHUNK_SIZE;
          i++;
          break;
        }
        case S_CHUNK_SIZE: {
          const d = HEX[b];
          if (d !== 0xff) {
            if (this.remaining > MAX_SIZE_BEFORE_DIGIT) this.fail('HPE_INVALID_CHUNK_SIZE', 'Chunk size overflow', i);
            this.remaining = this.remaining * 16 + d;
            i++;
          } else if (b === SEMI) {
            state = S_EXT_NAME_START;
            i++;
          } else if (b === SP || b === HT) {
            state = S_EXT_BWS;
            i++;
          } else if (b === CR || (b === LF && this.lenient)) {
            state = b === CR ? S_CHUNK_SIZE_LF : this.chunkSizeDone(i + 1);
            i++;
          } else {
            this.fail(b === LF ? 'HPE_CR_EXPECTED' : 'HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size', i);
          }
          break;
        }
        case S_CHUNK_SIZE_LF: {
          if (b !== LF) this.fail('HPE_LF_EXPECTED', 'Missing expected LF after chunk size', i);
          state = this.chunkSizeDone(++i);
          break;
        }
        case S_EXT_BWS: {
          // BWS is only allowed before `;` (RFC 9112 §7.1.1): `5  ` + CRLF is a bad size.
          if (b === SEMI) state = S_EXT_NAME_START;
          else if (b !== SP && b !== HT) this.fail('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size', i);
          i++;
          break;
        }
        case S_EXT_NAME_START: {
          if (TOKEN[b] !== 0) state = S_EXT_NAME;
          else if (b !== SP && b !== HT) this.extFail(i);
          i++;
          break;
        }
        case S_EXT_NAME:
        case S_EXT_TOKEN: {
          if (TOKEN[b] !== 0) {
            i++;
            break;
          }
          if (b === EQUALS && state === S_EXT_NAME) state = S_EXT_VALUE_START;
          else if (b === SP || b === HT) state = state === S_EXT_NAME ? S_EXT_AFTER_NAME : S_EXT_AFTER_VALUE;
          else if (b === SEMI) state = S_EXT_NAME_START;
          else state = this.extLineEnd(b, i);
          i++;
          break;
        }
        case S_EXT_AFTER_NAME:
        case S_EXT_AFTER_VALUE: {
          if (b === SEMI) state = S_EXT_NAME_START;
          else if (b === EQUALS && state === S_EXT_AFTER_NAME) state = S_EXT_VALUE_START;
          else if (b !== SP && b !== HT) this.extFail(i);
          i++;
          break;
        }
        case S_EXT_VALUE_START: {
          if (b === DQUOTE) state = S_EXT_QUOTED;
          else if (TOKEN[b] !== 0) state = S_EXT_TOKEN;
          else if (b !== SP && b !== HT) this.extFail(i);
          i++;
          break;
        }
        case S_EXT_QUOTED: {
          if (b === DQUOTE) state = S_EXT_QUOTED_END;
          else if (b === BACKSLASH) state = S_EXT_QUOTED_ESCAPE;
          else if (QDTEXT[b] === 0) this.fail('HPE_STRICT', 'Invalid character in chunk extensions quoted value', i);
          i++;
          break;
        }
        case S_EXT_QUOTED_ESCAPE: {
          if (QDTEXT[b] === 0 && b !== DQUOTE && b !== BACKSLASH) {
            this.fail('HPE_STRICT', 'Invalid character in chunk extensions quoted value', i);
          }
          state = S_EXT_QUOTED;
          i++;
          break;
        }
        case S_EXT_QUOTED_END: {
          if (b === SEMI) state = S_EXT_NAME_START;
          else if (b === SP || b === HT) state = S_EXT_AFTER_VALUE;
          else state = this.extLineEnd(b, i);
          i++;
          break;
        }
        case S_CHUNK_DATA_CR: {
          if (b === CR) state = S_CHUNK_DATA_LF;
          else if (b === LF && this.lenient) state = S_CHUNK_SIZE_START;
          else this.fail('HPE_STRICT', 'Expected CRLF after chunk data', i);
          i++;
          break;
        }
        case S_CHUNK_DATA_LF: {
          if (b !== LF) this.fail('HPE_LF_EXPECTED', 'Missing expected LF after chunk data', i);
          state = S_CHUNK_SIZE_START;
          i++;
          break;
        }
        default:
          // chunkSizeDone moved on to chunk data or to the trailer section
          this.state = state;
          return i;
      }
    }
    this.state = state;
    return i;
  }

  /** A CR (or, lenient, an LF) right after a chunk-extension name or token value. */
  private extLineEnd(b: number, i: number): number {
    if (b === CR) return S_CHUNK_SIZE_LF;
    if (b === LF && this.lenient) return this.chunkSizeDone(i + 1);
    return this.extFail(i);
  }

  private extFail(i: number): never {
    this.fail('HPE_STRICT', 'Invalid character in chunk extensions', i);
  }

  /** The chunk-size line ended just before `i`: chunk data, or the trailer section after `0`. */
  private chunkSizeDone(i: number): number {
    if (this.remaining !== 0) return S_CHUNK_DATA;
    this.inTrailers = true;
    this.heldName = null;
    this.sectionBytes = 0;
    this.pendLen = 0;
    this.lineMark = i;
    return S_FIELD_START;
  }
}
