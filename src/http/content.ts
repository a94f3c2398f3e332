/**
 * Response bodies: undoing `Content-Encoding`, and deciding whether (and how) a body is text.
 */

import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import * as zlib from 'node:zlib';
import { HttpError } from '../errors';

// Sync flushes make each input chunk's output available at once (streamed bodies, server-sent
// events) and accept a body that ends mid-stream, as browsers and undici do: a body cut short on
// the wire is the framing layer's error to report, while corrupt data still fails here.
const ZLIB_OPTIONS: zlib.ZlibOptions = {
  flush: zlib.constants.Z_SYNC_FLUSH,
  finishFlush: zlib.constants.Z_SYNC_FLUSH,
};
const BROTLI_OPTIONS: zlib.BrotliOptions = {
  flush: zlib.constants.BROTLI_OPERATION_FLUSH,
  finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
};

type Coding = 'gzip' | 'deflate' | 'br';

/**
 * A Transform that decodes a body sent with `contentEncoding` (the `Content-Encoding` value):
 * `gzip`/`x-gzip`, `deflate` (zlib-wrapped or raw, told apart by the first byte, since servers
 * send both), `br`, or a list such as `deflate, gzip`, undone last coding first. `identity` and
 * an empty value pass the bytes through. Corrupt input fails the stream with zlib's error
 * (`code` `Z_DATA_ERROR`…).
 *
 * @throws HttpError with code `CLASYNC_HTTP_UNSUPPORTED_ENCODING` for any other coding.
 */
export function decodingStream(contentEncoding: string): Transform {
  const codings = parseCodings(contentEncoding);
  if (codings.length === 0) return new PassThrough();
  if (codings.length === 1 && codings[0] !== 'deflate') return createDecoder(codings[0]);
  return new DecoderChain(codings);
}

function parseCodings(contentEncoding: string): Coding[] {
  const codings: Coding[] = [];
  for (const item of contentEncoding.split(',')) {
    const coding = item.trim().toLowerCase();
    if (coding === 'gzip' || coding === 'x-gzip') codings.push('gzip');
    else if (coding === 'deflate' || coding === 'br') codings.push(coding);
    else if (coding !== 'identity' && coding !== '') {
      throw new HttpError({
        code: 'CLASYNC_HTTP_UNSUPPORTED_ENCODING',
        errmsg: `Unsupported Content-Encoding: ${coding}`,
      });
    }
  }
  // Codings are listed in the order they were applied.
  return codings.reverse();
}

/** One decoder; a `deflate` one needs the first byte of its input to pick its kind. */
function createDecoder(coding: Coding, firstByte?: number): Transform {
  switch (coding) {
    case 'gzip':
      return zlib.createGunzip(ZLIB_OPTIONS);
    case 'br':
      return zlib.createBrotliDecompress(BROTLI_OPTIONS);
    case 'deflate':
      if (firstByte === undefined) return new DecoderChain(['deflate']);
      // A zlib header's first byte is CMF: compression method 8 in the low nibble (RFC 1950).
      return (firstByte & 0x0f) === 8 ? zlib.createInflate(ZLIB_OPTIONS) : zlib.createInflateRaw(ZLIB_OPTIONS);
  }
}

/**
 * Decoders in a row behind one Transform. They are made on the first chunk, so that a leading
 * `deflate` can look at its first byte (a later one is a chain of its own and looks at its own)
 * and an empty body decodes to nothing. Back-pressure is kept both ways: writes wait for the
 * first decoder's `drain`, and the last decoder is paused while this stream's buffer is full.
 */
class DecoderChain extends Transform {
  private stages: Transform[] = [];
  private head: Transform | null = null;
  private tail: Transform | null = null;
  private writeCallback: TransformCallback | null = null;
  private flushCallback: TransformCallback | null = null;
  private tailEnded = false;

  constructor(private readonly codings: readonly Coding[]) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) return callback();
    if (this.head === null) this.build(chunk[0]);
    if (this.tailEnded || this.head!.write(chunk)) callback();
    else this.writeCallback = callback;
  }

  override _flush(callback: TransformCallback): void {
    if (this.head === null || this.tailEnded) return callback();
    this.flushCallback = callback;
    this.head.end();
  }

  override _read(size: number): void {
    if (this.tail?.isPaused()) this.tail.resume();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    for (const stage of this.stages) stage.destroy();
    callback(error);
  }

  private build(firstByte: number): void {
    this.stages = this.codings.map((coding, i) => createDecoder(coding, i === 0 ? firstByte : undefined));
    for (let i = 1; i < this.stages.length; i++) this.stages[i - 1].pipe(this.stages[i]);
    for (const stage of this.stages) stage.on('error', this.onError);
    this.head = this.stages[0];
    this.tail = this.stages[this.stages.length - 1];
    this.head.on('drain', this.onDrain);
    this.tail.on('data', this.onData);
    this.tail.on('end', this.onEnd);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.tail!.pause();
  };

  private readonly onDrain = (): void => {
    const callback = this.writeCallback;
    this.writeCallback = null;
    callback?.();
  };

  // The decoders may finish before the input does (bytes after a deflate stream's end): the
  // rest of the input is then dropped, as zlib itself does.
  private readonly onEnd = (): void => {
    this.tailEnded = true;
    this.onDrain();
    const callback = this.flushCallback;
    this.flushCallback = null;
    callback?.();
  };

  private readonly onError = (error: Error): void => {
    this.destroy(error);
  };
}

// ---------------------------------------------------------------------------------------
// Text or binary

/**
 * Media types whose bodies are returned as strings: Drakma's `*text-content-types*` (`text/*`)
 * plus JSON, XML and JavaScript. `*` matches any type or subtype, `*+json` any `+json` suffix.
 */
export const TEXT_CONTENT_TYPES: readonly string[] = [
  'text/*',
  'application/json',
  '*/*+json',
  'application/xml',
  '*/*+xml',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
];

/** Whether a `Content-Type` names text (per `types`, default `TEXT_CONTENT_TYPES`). */
export function isTextContentType(contentType: string | null | undefined, types: readonly string[] = TEXT_CONTENT_TYPES): boolean {
  if (!contentType) return false;
  const semi = contentType.indexOf(';');
  const mediaType = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  const slash = mediaType.indexOf('/');
  if (slash <= 0) return false;
  const type = mediaType.slice(0, slash);
  const subtype = mediaType.slice(slash + 1);
  for (const pattern of types) {
    const patternSlash = pattern.indexOf('/');
    const patternType = pattern.slice(0, patternSlash);
    const patternSubtype = pattern.slice(patternSlash + 1);
    if (patternType !== '*' && patternType !== type) continue;
    if (patternSubtype === '*' || patternSubtype === subtype) return true;
    if (patternSubtype.startsWith('*+') && subtype.endsWith(patternSubtype.slice(1))) return true;
  }
  return false;
}

const CHARSET = /;\s*charset\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/i;

/** The `charset` parameter of a `Content-Type`, lower-cased, or `undefined`. */
export function charsetOf(contentType: string | null | undefined): string | undefined {
  if (!contentType) return undefined;
  const match = CHARSET.exec(contentType);
  if (match === null) return undefined;
  const charset = (match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]).trim().toLowerCase();
  return charset === '' ? undefined : charset;
}

type BufferCharset = 'utf8' | 'latin1' | 'utf16le';

// Labels Buffer decodes itself. `iso-8859-1` and `ascii` are taken as true Latin-1 (Drakma's
// default), not as windows-1252 the way browsers read them; Latin-1 never mangles a byte, and
// for ASCII it is the same.
const BUFFER_CHARSETS: ReadonlyMap<string, BufferCharset> = new Map<string, BufferCharset>([
  ['utf-8', 'utf8'],
  ['utf8', 'utf8'],
  ['iso-8859-1', 'latin1'],
  ['iso8859-1', 'latin1'],
  ['iso_8859-1', 'latin1'],
  ['latin1', 'latin1'],
  ['l1', 'latin1'],
  ['binary', 'latin1'],
  ['us-ascii', 'latin1'],
  ['ascii', 'latin1'],
  ['utf-16le', 'utf16le'],
  ['utf-16', 'utf16le'],
  ['ucs-2', 'utf16le'],
  ['ucs2', 'utf16le'],
]);

const decoders = new Map<string, TextDecoder | null>();

/**
 * Decode a text body. `charset` defaults to UTF-8; a leading byte-order mark is dropped for UTF-8
 * and UTF-16. Labels Buffer does not know go to `TextDecoder` (Node's ICU knows windows-1252,
 * Shift_JIS, GBK, KOI8-R…). A label neither knows is decoded as UTF-8: unlike Drakma, which
 * then returns the octets, callers always get a string for a text type, and UTF-8 is what
 * an unlabelled or mislabelled body most likely is.
 */
export function decodeText(buffer: Buffer, charset = 'utf-8'): string {
  const label = charset.trim().toLowerCase();
  const encoding = BUFFER_CHARSETS.get(label);
  if (encoding === 'utf8') return buffer.toString('utf8', hasUtf8Bom(buffer) ? 3 : 0);
  if (encoding === 'utf16le') return buffer.toString('utf16le', buffer[0] === 0xff && buffer[1] === 0xfe ? 2 : 0);
  if (encoding === 'latin1') return buffer.toString('latin1');
  const decoder = textDecoderFor(label);
  if (decoder === null) return buffer.toString('utf8', hasUtf8Bom(buffer) ? 3 : 0);
  return decoder.encoding === 'windows-1252' ? decodeWindows1252(buffer) : decoder.decode(buffer);
}

// Node 20's TextDecoder reads windows-1252 as Latin-1 (nodejs/node#56542); these are the
// characters of bytes 0x80-0x9F (the five unassigned ones stand for themselves, as in WHATWG).
const WINDOWS_1252_80_9F =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(buffer: Buffer): string {
  return buffer.toString('latin1').replace(/[\x80-\x9f]/g, (char) => WINDOWS_1252_80_9F[char.charCodeAt(0) - 0x80]);
}

function textDecoderFor(label: string): TextDecoder | null {
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label);
    } catch {
      decoder = null;
    }
    // Labels come from servers: remember only the ones that name an encoding.
    if (decoder !== null) decoders.set(label, decoder);
  }
  return decoder;
}

function hasUtf8Bom(buffer: Buffer): boolean {
  return buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
}
