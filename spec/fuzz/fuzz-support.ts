/**
 * The properties both parser fuzz specs check, over an `Exchange` arbitrary and a way to run a
 * parser on chunks (`runResponse` or `runRequest` of the harness).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { WireOptions } from '../../src/http/wire';
import type { Ev } from '../http/harness';
import { chunksOf, type Exchange, fuzzParameters, lenient, mutantOptions, mutate, mutations, split } from './arbitraries';

export type Run = (chunks: Buffer[], options: WireOptions, exchange: Exchange) => Ev[];

/** A mutant, however fed, must finish within this (the parser is linear: it takes microseconds). */
const MUTANT_MS = 250;

const HPE_CODE = /^HPE_[A-Z_]+$/;

/** Valid messages, cut anywhere, give exactly their own events (strict and lenient alike). */
export function checkValid(exchanges: fc.Arbitrary<Exchange>, run: Run): void {
  fc.assert(
    fc.property(exchanges, split, lenient, (exchange, how, isLenient) => {
      const log = run(chunksOf(exchange.wire, how), { lenient: isLenient }, exchange);
      expect(log).to.deep.equal(exchange.expected);
    }),
    fuzzParameters(),
  );
}

/**
 * Mutated messages: the parser throws nothing but `HttpParseError` (the harness rethrows any
 * other error), with an `HPE_` code; gives the same events however the bytes are cut; finishes
 * in bounded time; and never reports more body bytes than it was given, nor more than a
 * Content-Length announced.
 */
export function checkMutants(exchanges: fc.Arbitrary<Exchange>, run: Run): void {
  fc.assert(
    fc.property(exchanges, mutations, split, mutantOptions, (exchange, edits, how, options) => {
      const input = mutate(exchange.wire, edits);
      const start = process.hrtime.bigint();
      const whole = run([input], options, exchange);
      const cut = run(chunksOf(input, how), options, exchange);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      expect(ms, 'parse time (ms)').to.be.below(MUTANT_MS);
      expect(cut, 'events do not depend on the split').to.deep.equal(whole);
      let total = 0;
      let message = 0;
      let announced: number | null = null;
      for (const ev of whole) {
        if (ev.e === 'error') expect(ev.code).to.match(HPE_CODE);
        if (ev.e === 'head') {
          message = 0;
          announced = ev.framing === 'length' ? (ev.contentLength ?? null) : null;
        }
        if (ev.e === 'body') {
          total += ev.data.length;
          message += ev.data.length;
          if (announced !== null) expect(message, 'body bytes vs Content-Length').to.be.at.most(announced);
        }
      }
      expect(total, 'body bytes vs input bytes').to.be.at.most(input.length);
    }),
    fuzzParameters(),
  );
}
