/**
 * Property-based fuzzing of the response parser (fast-check, seeded: see `arbitraries.ts`).
 */
import { runResponse } from '../http/harness';
import { responses } from './arbitraries';
import { checkMutants, checkValid } from './fuzz-support';

describe('ResponseParser fuzzing', () => {
  it('random valid responses (1xx, HEAD/204/304, Content-Length, chunked with extensions and trailers, read-until-close), cut anywhere, parse to exactly the generated messages', () => {
    checkValid(responses, (chunks, options, exchange) => runResponse(chunks, options, { eof: true, methods: exchange.methods }));
  });

  it('random mutations of valid responses: only HttpParseError, split-invariant, bounded time, no invented body bytes', () => {
    checkMutants(responses, (chunks, options, exchange) => runResponse(chunks, options, { eof: true, methods: exchange.methods }));
  });
});
