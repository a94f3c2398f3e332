/**
 * What a request sends: Drakma's `parameters`, `content`, `form-data`, `content-type` and
 * `content-length` turned into bytes (or a byte stream) and the headers that frame them.
 */
import { PassThrough, Readable, Writable } from 'node:stream';
import { HttpError } from '../errors';
import type { RequestBody } from './connection';
import { encodeParameters, FormFields, hasFileParts, multipart, Parameters } from './form';

/** Drakma's `content`: bytes, text (UTF-8), a stream, or a function that writes the body. */
export type Content =
  | string
  | Uint8Array
  | Readable
  | AsyncIterable<Uint8Array | string>
  | ((out: Writable) => unknown);

export interface BodyOptions {
  method: string;
  parameters?: Parameters | FormFields | null;
  content?: Content | null;
  contentType?: string | null;
  /** Bytes in the body; `null` sends it chunked. Computed when the content has a length. */
  contentLength?: number | null;
  /** Send `parameters` as `multipart/form-data` (also the case when a value is a file). */
  formData?: boolean;
}

export interface PreparedBody {
  body: RequestBody | null;
  /** `Content-Type` to send (absent when there is no body). */
  contentType: string | null;
  /** Known length, or null when the body goes chunked. */
  contentLength: number | null;
  chunked: boolean;
  /** The same bytes can be sent again (retries, 307/308 redirects). */
  replayable: boolean;
}

const NO_BODY: PreparedBody = { body: null, contentType: null, contentLength: null, chunked: false, replayable: true };
const FORM_URLENCODED = 'application/x-www-form-urlencoded';
/** Methods whose `parameters` go into the body rather than the query string. */
const BODY_PARAMETER_METHODS = new Set(['POST', 'PUT', 'PATCH', 'REPORT']);

/** Whether `parameters` belong in the body for `method` (else the query string). */
export function parametersInBody(method: string, content: Content | null | undefined): boolean {
  return content == null && BODY_PARAMETER_METHODS.has(method);
}

export async function prepareBody(options: BodyOptions): Promise<PreparedBody> {
  const { method, parameters, content } = options;
  if (content != null) return fromContent(content, options);
  if (parameters == null || !parametersInBody(method, content)) return NO_BODY;
  if (options.formData === true || hasFileParts(parameters as FormFields)) {
    const form = await multipart(parameters as FormFields);
    const length = form.contentLength ?? null;
    return {
      body: form,
      contentType: form.contentType,
      contentLength: length,
      chunked: length === null,
      replayable: length !== null,
    };
  }
  const bytes = Buffer.from(encodeParameters(parameters as Parameters));
  return sized(bytes, options.contentType ?? FORM_URLENCODED);
}

function sized(bytes: Buffer, contentType: string): PreparedBody {
  return { body: bytes, contentType, contentLength: bytes.length, chunked: false, replayable: true };
}

function fromContent(content: Content, options: BodyOptions): PreparedBody {
  const contentType = options.contentType ?? FORM_URLENCODED;
  if (typeof content === 'string') return sized(Buffer.from(content), contentType);
  if (content instanceof Uint8Array) {
    return sized(Buffer.from(content.buffer, content.byteOffset, content.byteLength), contentType);
  }
  const stream = typeof content === 'function' ? writerStream(content) : content;
  const length = options.contentLength ?? null;
  return { body: stream, contentType, contentLength: length, chunked: length === null, replayable: false };
}

/**
 * Drakma's function content: it gets a writable stream and writes the body into it. The body
 * ends when the function returns (or its promise resolves), unless it ended the stream itself.
 */
function writerStream(writer: (out: Writable) => unknown): AsyncIterable<Uint8Array | string> {
  const out = new PassThrough();
  // The writer may fail before anyone reads the stream (the request still connecting or
  // queued): an 'error' event without a listener would crash the process. The failure is not
  // lost: iterating an errored stream throws it.
  out.on('error', () => {});
  const end = (): void => {
    if (!out.writableEnded) out.end();
  };
  let result: PromiseLike<unknown> | null | undefined;
  try {
    result = writer(out) as PromiseLike<unknown> | null | undefined;
  } catch (err) {
    // Nothing was sent yet: the request fails at once.
    out.destroy();
    throw bodyFailed(err);
  }
  if (result != null && typeof result.then === 'function') result.then(end, (err: unknown) => out.destroy(asError(err)));
  else end();
  return out;
}

function bodyFailed(err: unknown): HttpError {
  const message = err instanceof Error ? err.message : String(err);
  return new HttpError({ code: 'CLASYNC_HTTP_BODY_ERROR', errmsg: `Request body failed: ${message}`, cause: err });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new HttpError({ code: 'CLASYNC_HTTP_BODY_ERROR', errmsg: String(err) });
}
