/**
 * Property-based fuzzing of the request parser (fast-check, seeded: see `arbitraries.ts`).
 */
import { runRequest } from '../http/harness';
import { requests } from './arbitraries';
import { checkMutants, checkValid } from './fuzz-support';

describe('RequestParser fuzzing', () => {
  it('random valid pipelined requests (Content-Length, chunked with extensions and trailers, no body), cut anywhere, parse to exactly the generated messages', () => {
    checkValid(requests, (chunks, options) => runRequest(chunks, options, { eof: true }));
  });

  it('random mutations of valid requests: only HttpParseError, split-invariant, bounded time, no invented body bytes', () => {
    checkMutants(requests, (chunks, options) => runRequest(chunks, options, { eof: true }));
  });
});
