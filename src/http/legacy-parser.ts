/**
 * `makeHttpParser()`: the 2012 `http-stream` completeness parser's contract (reference
 * cl-async-api.md §6.4), built on the real response parser. Feed it each chunk as it arrives,
 * and `'eof'` (or `null`) when the peer closes; it answers `[false]` while the response is
 * incomplete and `[true, responseBytes, rest]` once it is complete. `responseBytes` is the raw
 * response as received (interim 1xx responses included, as in 2012, so that a consumer parsing
 * it again sees the whole exchange); `rest` holds bytes that arrived after the response, which
 * 2012 silently dropped: they belong to the next response. After `done`, the parser starts over
 * with the next chunk it is fed.
 *
 * Unlike 2012: header blocks and chunk-size lines may be split anywhere, chunk extensions,
 * trailers, HEAD/204/304 and read-until-close bodies are handled, and malformed or truncated
 * input throws `HttpParseError` instead of a TYPE-ERROR or a silent truncation. EOF before any
 * byte completes with an empty response, as in 2012.
 */

import { ResponseParser, type ResponseHandler, type ResponseParserOptions } from './parser';

export type HttpParserInput = Uint8Array | 'eof' | null;
export type HttpParserResult = [done: false] | [done: true, responseBytes: Buffer, rest: Buffer];

export interface MakeHttpParserOptions extends ResponseParserOptions {
  /** Initial size of the response buffer (2012's `:buffer-size`). Default 8192. */
  bufferSize?: number;
  /** The request method, so that a response to HEAD completes without a body. Default GET. */
  method?: string;
}

const EMPTY = Buffer.alloc(0);

class Completion implements ResponseHandler {
  done = false;
  parser: ResponseParser | null = null;
  onHeaders(): void {}
  onBody(): void {}
  onMessageComplete(): void {
    this.done = true;
    this.parser?.pause();
  }
  onUpgrade(): void {
    this.done = true;
  }
}

export function makeHttpParser(options: MakeHttpParserOptions = {}): (data: HttpParserInput) => HttpParserResult {
  const { bufferSize = 8192, method = 'GET', ...parserOptions } = options;
  let acc = Buffer.allocUnsafe(bufferSize);
  let accLen = 0;
  let completion: Completion;
  let parser: ResponseParser;

  const reset = (): void => {
    accLen = 0;
    completion = new Completion();
    parser = new ResponseParser(completion, parserOptions);
    completion.parser = parser;
    parser.expectResponse(method);
  };
  reset();

  const append = (chunk: Uint8Array, end: number): void => {
    if (accLen + end > acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(acc.length * 2, accLen + end));
      acc.copy(grown, 0, 0, accLen);
      acc = grown;
    }
    acc.set(end === chunk.length ? chunk : chunk.subarray(0, end), accLen);
    accLen += end;
  };

  const complete = (rest: Buffer): HttpParserResult => {
    const response = Buffer.from(acc.subarray(0, accLen));
    reset();
    return [true, response, rest];
  };

  return (data) => {
    if (data === 'eof' || data === null) {
      if (accLen === 0) return complete(EMPTY);
      parser.finish();
      return complete(EMPTY);
    }
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const used = parser.execute(buf);
    append(buf, used);
    return completion.done ? complete(buf.subarray(used)) : [false];
  };
}
