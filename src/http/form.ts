/**
 * Request content built from Drakma's `parameters` and `form-data`: URL-encoded queries and
 * bodies, streamed `multipart/form-data`, and the Basic authorization header.
 */

import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { HttpError } from '../errors';

/** A parameter value. `null` sends the name alone (Drakma's `nil`); `undefined` omits the pair. */
export type ParameterValue = string | number | boolean | null | undefined;

/** Drakma's `parameters` alist: `[name, value]` pairs in order, or an object. */
export type Parameters =
  | ReadonlyArray<readonly [string, ParameterValue]>
  | Readonly<Record<string, ParameterValue>>;

interface FilePartOptions {
  /** Default: the base name of `path`, else `blob` (as `FormData` names an anonymous Blob). */
  filename?: string;
  /** Default `application/octet-stream`. */
  contentType?: string;
}

/**
 * A file in a multipart body (Drakma: a pathname, stream or `(thing :filename … :content-type …)`).
 * A `path` is streamed from disk and its size taken with `fs.stat`; a stream `content` can be
 * sent once and leaves the body's length unknown.
 */
export type FilePart = FilePartOptions &
  (
    | { path: string; content?: undefined }
    | { content: string | Uint8Array | Readable | AsyncIterable<Uint8Array | string>; path?: undefined }
  );

/** A multipart field value: text, bytes (a field without a filename), or a file. */
export type FormValue = ParameterValue | Uint8Array | FilePart;

export type FormFields = ReadonlyArray<readonly [string, FormValue]> | Readonly<Record<string, FormValue>>;

/** A `multipart/form-data` body, iterable again unless a part is a stream. */
export interface MultipartBody extends AsyncIterable<Buffer> {
  readonly boundary: string;
  /** The request's `Content-Type`: `multipart/form-data; boundary=…`. */
  readonly contentType: string;
  /** Total bytes, or `undefined` when a part is a stream (send the body chunked). */
  readonly contentLength: number | undefined;
  /** The body as a byte stream. */
  stream(): Readable;
}

// ---------------------------------------------------------------------------------------
// application/x-www-form-urlencoded

// The WHATWG urlencoded serializer, which browsers use for forms and URLSearchParams:
// ALPHA, DIGIT and `*-._` stay, space becomes `+`, every other UTF-8 byte is `%XX`. Drakma also
// writes `+` for space and leaves a few more characters bare (`$!'(),`); the WHATWG set is the
// stricter of the two, so any server that took Drakma's output takes ours.
const FORM_SAFE = /^[A-Za-z0-9*\-._]*$/;
const FORM_BYTE: readonly string[] = Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  if (FORM_SAFE.test(char)) return char;
  return byte === 0x20 ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
});

/** Percent-encode one name or value as `application/x-www-form-urlencoded` (UTF-8). */
export function urlEncode(text: string): string {
  if (FORM_SAFE.test(text)) return text;
  let encoded = '';
  // Lone surrogates become U+FFFD here, as in browsers.
  for (const byte of Buffer.from(text, 'utf8')) encoded += FORM_BYTE[byte];
  return encoded;
}

/** `a=1&b=x+y&flag`: Drakma's parameters as an `application/x-www-form-urlencoded` string. */
export function encodeParameters(params: Parameters): string {
  let encoded = '';
  for (const [name, value] of entriesOf(params)) {
    if (value === undefined) continue;
    if (encoded !== '') encoded += '&';
    encoded += urlEncode(name);
    if (value !== null) encoded += `=${urlEncode(String(value))}`;
  }
  return encoded;
}

/** A copy of `url` with `params` added to its query (for GET and HEAD). The fragment stays. */
export function appendQuery(url: URL | string, params: Parameters): URL {
  const result = new URL(url);
  const query = encodeParameters(params);
  if (query !== '') result.search = `?${result.search.length > 1 ? `${result.search.slice(1)}&` : ''}${query}`;
  return result;
}

// ---------------------------------------------------------------------------------------
// multipart/form-data

const CRLF = '\r\n';
// RFC 2046 §5.1.1 bchars, at most 70, not ending in a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const TOKEN = /^[0-9A-Za-z'+_\-.]+$/;
const HEADER_BREAK = /[\r\n\0]/;
// The HTML spec's escapes for names and filenames in Content-Disposition.
const DISPOSITION_ESCAPES: Readonly<Record<string, string>> = { '\n': '%0A', '\r': '%0D', '"': '%22' };

/** True if a value is a `FilePart` (Drakma sends such parameters as multipart). */
export function isFilePart(value: unknown): value is FilePart {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    ('path' in value || 'content' in value)
  );
}

/** Whether any field is a file, which makes Drakma send `multipart/form-data`. */
export function hasFileParts(fields: FormFields): boolean {
  for (const [, value] of entriesOf(fields)) if (isFilePart(value)) return true;
  return false;
}

/**
 * Build a `multipart/form-data` body (Drakma's `form-data`). Files are stat'ed now, so that the
 * length is known before the headers go out, and read from disk only while the body is sent.
 * Parts are laid out as browsers and Drakma do: text fields carry no Content-Type, files carry
 * `filename` and a Content-Type. `null` sends an empty field; `undefined` omits it.
 */
export async function multipart(fields: FormFields, boundary = randomBoundary()): Promise<MultipartBody> {
  if (!BOUNDARY.test(boundary)) throw new TypeError(`Invalid multipart boundary: ${JSON.stringify(boundary)}`);
  const segments: Segment[] = [];
  let text = '';
  let length: number | undefined = 0;
  const flushText = (): void => {
    if (text === '') return;
    const bytes = Buffer.from(text, 'utf8');
    segments.push(bytes);
    if (length !== undefined) length += bytes.length;
    text = '';
  };

  for (const [name, value] of entriesOf(fields)) {
    if (value === undefined) continue;
    text += `--${boundary}${CRLF}Content-Disposition: form-data; name="${escapeDisposition(name)}"`;
    if (isFilePart(value)) {
      const filename = value.filename ?? (value.path !== undefined ? basename(value.path) : 'blob');
      const contentType = value.contentType ?? 'application/octet-stream';
      if (HEADER_BREAK.test(contentType)) throw new TypeError(`Invalid part Content-Type: ${JSON.stringify(contentType)}`);
      text += `; filename="${escapeDisposition(filename)}"${CRLF}Content-Type: ${contentType}${CRLF}${CRLF}`;
      if (value.path !== undefined) {
        const stats = await fsp.stat(value.path);
        if (!stats.isFile()) throw new TypeError(`Not a regular file: ${value.path}`);
        flushText();
        segments.push({ path: value.path, size: stats.size });
        if (length !== undefined) length += stats.size;
      } else if (typeof value.content === 'string') {
        text += value.content;
      } else if (value.content instanceof Uint8Array) {
        flushText();
        segments.push(asBuffer(value.content));
        if (length !== undefined) length += value.content.byteLength;
      } else {
        flushText();
        segments.push({ stream: value.content, consumed: false });
        length = undefined;
      }
    } else if (value instanceof Uint8Array) {
      text += CRLF + CRLF;
      flushText();
      segments.push(asBuffer(value));
      if (length !== undefined) length += value.byteLength;
    } else {
      text += CRLF + CRLF + (value === null ? '' : String(value));
    }
    text += CRLF;
  }
  text += `--${boundary}--${CRLF}`;
  flushText();
  return new Multipart(boundary, segments, length);
}

/** A fresh boundary: 16 random bytes, hex, behind a recognisable prefix. */
function randomBoundary(): string {
  return `----cl-async-${randomBytes(16).toString('hex')}`;
}

/** A run of fixed bytes, a file to stream, or a caller's stream (single use). */
type Segment = Buffer | { path: string; size: number } | { stream: AsyncIterable<Uint8Array | string>; consumed: boolean };

class Multipart implements MultipartBody {
  readonly contentType: string;

  constructor(
    readonly boundary: string,
    private readonly segments: readonly Segment[],
    readonly contentLength: number | undefined,
  ) {
    this.contentType = `multipart/form-data; boundary=${TOKEN.test(boundary) ? boundary : `"${boundary}"`}`;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (const segment of this.segments) {
      if (Buffer.isBuffer(segment)) yield segment;
      else if ('path' in segment) yield* readFile(segment.path, segment.size);
      else {
        if (segment.consumed) throw new Error('A streamed multipart part can only be sent once');
        segment.consumed = true;
        for await (const chunk of segment.stream) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : asBuffer(chunk);
      }
    }
  }

  stream(): Readable {
    return Readable.from(this, { objectMode: false });
  }
}

/** Exactly `size` bytes of the file, as stat'ed when the body was built. */
async function* readFile(path: string, size: number): AsyncGenerator<Buffer> {
  if (size === 0) return;
  let read = 0;
  // `end` is inclusive; a file that grew since the stat is cut at the announced length.
  for await (const chunk of createReadStream(path, { start: 0, end: size - 1 })) {
    read += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
  if (read !== size) {
    throw new HttpError({
      code: 'CLASYNC_HTTP_CONTENT_LENGTH_MISMATCH',
      errmsg: `${path} shrank from ${size} to ${read} bytes while it was being sent`,
    });
  }
}

// ---------------------------------------------------------------------------------------

/** `Basic base64(user:password)` (RFC 7617, UTF-8), for `Authorization` or `Proxy-Authorization`. */
export function basicAuthorization([user, password]: readonly [string, string]): string {
  // RFC 7617 §2: the server splits at the first colon, so one in the user-id would misname it.
  if (user.includes(':')) throw new TypeError('A Basic authorization user-id cannot contain ":"');
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function entriesOf<T>(pairs: ReadonlyArray<readonly [string, T]> | Readonly<Record<string, T>>): Iterable<readonly [string, T]> {
  return Array.isArray(pairs) ? (pairs as ReadonlyArray<readonly [string, T]>) : Object.entries(pairs);
}

function escapeDisposition(text: string): string {
  return text.replace(/[\n\r"]/g, (char) => DISPOSITION_ESCAPES[char]);
}

/** A Buffer view of the same memory (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
