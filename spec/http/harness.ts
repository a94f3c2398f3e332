// Test helpers: run a parser over chunks and record its events as a comparable log.
import { expect } from 'chai';
import { HttpParseError } from '../../src/errors';
import type { HeaderList } from '../../src/http/headers';
import { ResponseParser, type ResponseHandler, type ResponseHead, type ResponseParserOptions } from '../../src/http/parser';
import { RequestParser, type RequestHandler, type RequestHead, type RequestParserOptions } from '../../src/http/request-parser';
import { prng } from '../../bench/no-lost-bytes';

/** One recorded event. Consecutive body slices are merged, so logs compare across splits. */
export type Ev =
  | ({ e: 'info' } & Partial<ResponseHead>)
  | ({ e: 'head' } & Partial<ResponseHead> & Partial<RequestHead>)
  | { e: 'body'; data: string }
  | { e: 'trailers'; headers: HeaderList }
  | { e: 'done' }
  | { e: 'upgrade'; rest: string }
  | { e: 'error'; code: string };

class Recorder implements ResponseHandler, RequestHandler {
  readonly log: Ev[] = [];
  upgraded: { e: 'upgrade'; rest: string } | null = null;
  onInformational(head: ResponseHead): void {
    this.log.push({ e: 'info', ...head });
  }
  onHeaders(head: ResponseHead | RequestHead): void {
    this.log.push({ e: 'head', ...head } as Ev);
  }
  onBody(chunk: Buffer): void {
    const last = this.log[this.log.length - 1];
    if (last !== undefined && last.e === 'body') last.data += chunk.toString('latin1');
    else this.log.push({ e: 'body', data: chunk.toString('latin1') });
  }
  onTrailers(headers: HeaderList): void {
    this.log.push({ e: 'trailers', headers });
  }
  onMessageComplete(): void {
    this.log.push({ e: 'done' });
  }
  onUpgrade(rest: Buffer): void {
    this.upgraded = { e: 'upgrade', rest: rest.toString('latin1') };
    this.log.push(this.upgraded);
  }
}

export interface RunOptions {
  /** Call `finish()` after the last chunk; `'unclean'` passes `cleanClose = false`. */
  eof?: boolean | 'unclean';
  /** Methods of the outstanding requests, in order (response parser only). */
  methods?: string[];
}

type AnyParser = ResponseParser | RequestParser;

function drive(parser: AnyParser, rec: Recorder, chunks: Buffer[], run: RunOptions): Ev[] {
  try {
    for (const chunk of chunks) {
      if (rec.upgraded !== null) {
        // After an upgrade every later byte belongs to the new protocol.
        rec.upgraded.rest += chunk.toString('latin1');
        continue;
      }
      const used = parser.execute(chunk);
      if (used !== chunk.length && rec.upgraded === null) throw new Error(`execute consumed ${used} of ${chunk.length}`);
    }
    if (run.eof) parser.finish(run.eof !== 'unclean');
  } catch (err) {
    if (!(err instanceof HttpParseError)) throw err;
    rec.log.push({ e: 'error', code: err.code });
  }
  return rec.log;
}

export function runResponse(chunks: Buffer[], options: ResponseParserOptions = {}, run: RunOptions = {}): Ev[] {
  const rec = new Recorder();
  const parser = new ResponseParser(rec, options);
  for (const m of run.methods ?? []) parser.expectResponse(m);
  return drive(parser, rec, chunks, run);
}

export function runRequest(chunks: Buffer[], options: RequestParserOptions = {}, run: RunOptions = {}): Ev[] {
  const rec = new Recorder();
  return drive(new RequestParser(rec, options), rec, chunks, run);
}

/** Latin1 string to bytes (test inputs are written one char per byte). */
export const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** `input` cut at the given offsets. */
export function cut(input: Buffer, offsets: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const o of [...offsets].sort((a, b) => a - b)) {
    out.push(input.subarray(prev, o));
    prev = o;
  }
  out.push(input.subarray(prev));
  return out;
}

/**
 * The ways a test feeds an input: split at every single offset and one byte at a time, or for
 * inputs over 2 KiB one byte at a time plus 40 seeded random multi-way splits.
 */
export function* splits(input: Buffer, seed = 1): Generator<{ name: string; chunks: Buffer[] }> {
  const n = input.length;
  yield { name: 'one byte at a time', chunks: byteByByte(input) };
  if (n <= 2048) {
    for (let k = 1; k < n; k++) yield { name: `split at ${k}`, chunks: cut(input, [k]) };
    return;
  }
  const rand = prng(seed);
  for (let r = 0; r < 40; r++) {
    const offsets = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => 1 + Math.floor(rand() * (n - 1)));
    yield { name: `random split ${offsets.join(',')}`, chunks: cut(input, offsets) };
  }
}

/** Seeded single-byte mutations (replace, insert, delete) of each input, `rounds` times over. */
export function* mutants(inputs: Buffer[], rounds: number, seed = 7): Generator<{ mutant: Buffer; round: number }> {
  const rand = prng(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const interesting = [0, 9, 10, 13, 32, 34, 44, 58, 59, 48, 70, 127, 200];
  for (let round = 0; round < rounds; round++) {
    for (const input of inputs) {
      if (input.length === 0) continue;
      const b = [...input];
      const at = pick(b.length);
      const byte = interesting[pick(interesting.length)];
      const op = pick(3);
      if (op === 0) b[at] = byte;
      else if (op === 1) b.splice(at, 0, byte);
      else b.splice(at, 1);
      yield { mutant: Buffer.from(b), round };
    }
  }
}

/** One chunk per byte. */
export const byteByByte = (input: Buffer): Buffer[] => [...input].map((x) => Buffer.from([x]));

/** Project the actual log onto the keys the expected events name, then deep-compare. */
export function expectLog(actual: Ev[], expected: Ev[], message?: string): void {
  const projected = actual.map((ev, k) => {
    const want = expected[k] as Record<string, unknown> | undefined;
    if (want === undefined) return ev;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(want)) out[key] = (ev as Record<string, unknown>)[key];
    return out;
  });
  expect(projected, message).to.deep.equal(expected);
}

/** Every split must give exactly the log of the whole input. */
export function expectSplitInvariant(
  whole: Ev[],
  input: Buffer,
  run: (chunks: Buffer[]) => Ev[],
): void {
  for (const { name, chunks } of splits(input)) {
    expect(run(chunks), name).to.deep.equal(whole);
  }
}
