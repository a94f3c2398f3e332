/**
 * fast-check arbitraries for the parser fuzz specs: valid HTTP/1.1 messages as data, their
 * exact wire bytes, and the events a parser must report for them (the `Ev` log of
 * `spec/http/harness.ts`), plus byte-level mutations and random splits.
 *
 * Runs are seeded: `FUZZ_SEED` (default below), `FUZZ_RUNS` (default 10,000) and `FUZZ_PATH`
 * replay a failure exactly; fast-check prints the seed and path in the failure message.
 */
import fc from 'fast-check';
import type { HeaderList } from '../../src/http/headers';
import type { Framing } from '../../src/http/wire';
import { cut, type Ev } from '../http/harness';

export const DEFAULT_SEED = 20120917;

/** The seeded run settings, from the environment. */
export function fuzzParameters<T>(): fc.Parameters<T> {
  const env = process.env;
  return {
    seed: env.FUZZ_SEED === undefined ? DEFAULT_SEED : Number(env.FUZZ_SEED),
    numRuns: env.FUZZ_RUNS === undefined ? 10_000 : Number(env.FUZZ_RUNS),
    path: env.FUZZ_PATH,
  };
}

// ---- character classes (RFC 9110 §5.6.2, §5.5; RFC 9112 §7.1.1) ---------------------------

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, k) => String.fromCharCode(from + k));
const TCHAR = [..."!#$%&'*+-.^_`|~", ...range(48, 57), ...range(65, 90), ...range(97, 122)];
/** VCHAR and obs-text: a field value's first and last byte. */
const VISIBLE = [...range(0x21, 0x7e), ...range(0x80, 0xff)];
const WS = [' ', '\t'];
const QDTEXT = [...WS, '!', ...range(0x23, 0x5b), ...range(0x5d, 0x7e), ...range(0x80, 0xff)];

const chars = (alphabet: string[], minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength });

const token = (maxLength = 12): fc.Arbitrary<string> => chars(TCHAR, 1, maxLength);
const ows = fc.constantFrom('', ' ', '\t', ' \t ');
const bws = fc.constantFrom('', ' ', '\t');
/** Names the parser acts on itself: a generated field must not change the framing. */
const FRAMING_NAMES = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade']);

/** A field line as sent: the name in its own case, OWS around a value without edge whitespace. */
export interface Field {
  name: string;
  value: string;
  before: string;
  after: string;
}

const fieldValue = fc
  .array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...VISIBLE) }, { weight: 1, arbitrary: fc.constantFrom(...WS) }), { maxLength: 30 })
  .map((cs) => cs.join('').replace(/^[ \t]+|[ \t]+$/g, ''));

const field = (names: fc.Arbitrary<string>): fc.Arbitrary<Field> => fc.record({ name: names, value: fieldValue, before: ows, after: ows });
const plainName = token().filter((n) => !FRAMING_NAMES.has(n.toLowerCase()));
const fields = (names: fc.Arbitrary<string>, maxLength: number): fc.Arbitrary<Field[]> => fc.array(field(names), { maxLength });

const fieldLine = (f: Field): string => `${f.name}:${f.before}${f.value}${f.after}\r\n`;
const fieldList = (fs: Field[]): HeaderList => fs.map((f) => [f.name.toLowerCase(), f.value]);

// ---- bodies ------------------------------------------------------------------------------

const bodyBytes = (maxLength: number): fc.Arbitrary<string> => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b).toString('latin1'));

/** A chunk extension list as sent after a chunk size (BWS, names, token or quoted values). */
const extension: fc.Arbitrary<string> = fc
  .array(
    fc.record({
      lead: bws,
      gap: bws,
      name: token(8),
      value: fc.option(
        fc.record({
          around: fc.tuple(bws, bws),
          text: fc.oneof(
            token(8),
            fc
              .array(fc.oneof(fc.constantFrom(...QDTEXT), fc.constantFrom('\\"', '\\\\', '\\a')), { maxLength: 10 })
              .map((cs) => `"${cs.join('')}"`),
          ),
        }),
        { nil: null },
      ),
    }),
    { maxLength: 2 },
  )
  .map((items) => items.map((e) => `${e.lead};${e.gap}${e.name}${e.value === null ? '' : `${e.value.around[0]}=${e.value.around[1]}${e.value.text}`}`).join(''));

/** A chunk size as sent: hex in either case, maybe with leading zeros. */
const sizeText = (size: number): fc.Arbitrary<string> =>
  fc.record({ zeros: fc.nat({ max: 2 }), upper: fc.boolean() }).map(({ zeros, upper }) => {
    const hex = '0'.repeat(zeros) + size.toString(16);
    return upper ? hex.toUpperCase() : hex;
  });

export interface Chunk {
  data: string;
  size: string;
  ext: string;
}

const chunk: fc.Arbitrary<Chunk> = bodyBytes(120)
  .filter((d) => d.length > 0)
  .chain((data) => fc.record({ data: fc.constant(data), size: sizeText(data.length), ext: extension }));

export type Body =
  | { framing: 'length'; data: string }
  | { framing: 'chunked'; te: string; chunks: Chunk[]; last: Chunk; trailers: Field[] }
  | { framing: 'close'; data: string; te: string | null }
  | { framing: 'none'; contentLength: number | null; te: string | null };

const chunkedTe = fc.constantFrom('chunked', 'Chunked', 'CHUNKED', 'gzip, chunked', 'gzip,chunked', 'chunked;q=1');
const lastChunk = fc.record({ data: fc.constant(''), size: fc.constantFrom('0', '00', '000'), ext: extension });

const lengthBody: fc.Arbitrary<Body> = bodyBytes(400).map((data) => ({ framing: 'length' as const, data }));
const chunkedBody: fc.Arbitrary<Body> = fc.record({
  framing: fc.constant('chunked' as const),
  te: chunkedTe,
  chunks: fc.array(chunk, { maxLength: 5 }),
  last: lastChunk,
  trailers: fields(token(), 3),
});

/** The framing fields (Content-Length or Transfer-Encoding) a body needs. */
function framingFields(body: Body): Field[] {
  const f = (name: string, value: string): Field => ({ name, value, before: ' ', after: '' });
  switch (body.framing) {
    case 'length':
      return [f('Content-Length', String(Buffer.byteLength(body.data, 'latin1')))];
    case 'chunked':
      return [f('Transfer-Encoding', body.te)];
    case 'close':
      return body.te === null ? [] : [f('Transfer-Encoding', body.te)];
    default:
      if (body.contentLength !== null) return [f('content-length', String(body.contentLength))];
      return body.te === null ? [] : [f('transfer-encoding', body.te)];
  }
}

function bodyWire(body: Body): string {
  if (body.framing === 'length' || body.framing === 'close') return body.data;
  if (body.framing === 'none') return '';
  const trailers = body.trailers.map(fieldLine).join('');
  return body.chunks.map((c) => `${c.size}${c.ext}\r\n${c.data}\r\n`).join('') + `${body.last.size}${body.last.ext}\r\n${trailers}\r\n`;
}

function bodyEvents(body: Body): Ev[] {
  const data = body.framing === 'chunked' ? body.chunks.map((c) => c.data).join('') : body.framing === 'none' ? '' : body.data;
  const out: Ev[] = data === '' ? [] : [{ e: 'body', data }];
  if (body.framing === 'chunked' && body.trailers.length > 0) out.push({ e: 'trailers', headers: fieldList(body.trailers) });
  out.push({ e: 'done' });
  return out;
}

// ---- messages ----------------------------------------------------------------------------

/** What every message shares: version, extra fields, where the framing field goes, Connection. */
interface Common {
  versionMinor: 0 | 1;
  fields: Field[];
  /** Index among `fields` where the framing and Connection fields are inserted. */
  at: number;
  connection: 'close' | 'keep-alive' | 'Keep-Alive, foo' | null;
  body: Body;
}

const common = {
  versionMinor: fc.constantFrom(0 as const, 1 as const),
  fields: fields(plainName, 8),
  at: fc.nat({ max: 8 }),
  connection: fc.option(fc.constantFrom('close' as const, 'keep-alive' as const, 'Keep-Alive, foo' as const), { nil: null }),
};

function allFields(m: Common): Field[] {
  const extra = [...framingFields(m.body)];
  if (m.connection !== null) extra.push({ name: 'Connection', value: m.connection, before: ' ', after: '' });
  const at = Math.min(m.at, m.fields.length);
  return [...m.fields.slice(0, at), ...extra, ...m.fields.slice(at)];
}

/** RFC 9112 §9.3 as the parser applies it. */
function keepAlive(m: Common, framing: Framing): boolean {
  if (framing === 'close') return false;
  if (m.connection === 'close') return false;
  const te = m.body.framing === 'chunked' || ('te' in m.body && m.body.te !== null);
  if (m.versionMinor === 0) return m.connection !== null && !te;
  return true;
}

function contentLengthOf(m: Common): number | null {
  if (m.body.framing === 'length') return Buffer.byteLength(m.body.data, 'latin1');
  if (m.body.framing === 'none') return m.body.contentLength;
  return null;
}

/** A run of messages on one connection: bytes, the expected log, and how to drive the parser. */
export interface Exchange {
  wire: Buffer;
  expected: Ev[];
  /** Response parser: the request methods, in order. */
  methods: string[];
}

/** Messages up to and including the first that closes the connection (the parser ignores the rest). */
function upToClose<M>(messages: M[], closes: (m: M) => boolean): M[] {
  const end = messages.findIndex(closes);
  return end === -1 ? messages : messages.slice(0, end + 1);
}

// ---- responses ---------------------------------------------------------------------------

export interface Response extends Common {
  method: string;
  status: number;
  /** null: no space after the status code at all. */
  reason: string | null;
  interim: Array<{ status: number; reason: string; fields: Field[] }>;
  /** CR LF pairs before the status line (skipped between messages). */
  leadingCrlf: number;
}

const reason = chars([...range(0x20, 0x7e), ...range(0x80, 0xff), '\t'], 0, 20);

const response: fc.Arbitrary<Response> = fc
  .record({
    method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE'),
    status: fc.oneof(fc.integer({ min: 200, max: 599 }), fc.constantFrom(204, 304), fc.integer({ min: 600, max: 999 })),
    reason: fc.option(reason, { nil: null }),
    interim: fc.array(
      fc.record({ status: fc.constantFrom(100, 102, 103, 199), reason, fields: fields(plainName, 2) }),
      { maxLength: 2 },
    ),
    leadingCrlf: fc.nat({ max: 1 }),
    ...common,
    body: fc.oneof(
      lengthBody,
      chunkedBody,
      fc.record({ framing: fc.constant('close' as const), data: bodyBytes(200), te: fc.constantFrom(null, 'gzip', 'chunked, gzip') }),
    ),
  })
  .chain((r) =>
    // HEAD, 204 and 304 frame nothing, whatever their fields say.
    r.method === 'HEAD' || r.status === 204 || r.status === 304
      ? fc
          .oneof(
            fc.record({ contentLength: fc.option(fc.nat(), { nil: null }), te: fc.constant(null) }),
            fc.record({ contentLength: fc.constant(null), te: fc.option(chunkedTe, { nil: null }) }),
          )
          .map(({ contentLength, te }) => ({ ...r, body: { framing: 'none' as const, contentLength, te } }))
      : fc.constant(r),
  );

function statusLine(versionMinor: number, status: number, reason: string | null): string {
  return `HTTP/1.${versionMinor} ${status}${reason === null ? '' : ` ${reason}`}\r\n`;
}

function responseWire(r: Response): string {
  const interim = r.interim.map((i) => statusLine(r.versionMinor, i.status, i.reason) + i.fields.map(fieldLine).join('') + '\r\n').join('');
  const head = statusLine(r.versionMinor, r.status, r.reason) + allFields(r).map(fieldLine).join('') + '\r\n';
  return '\r\n'.repeat(r.leadingCrlf) + interim + head + bodyWire(r.body);
}

function responseEvents(r: Response): Ev[] {
  const out: Ev[] = r.interim.map((i) => ({
    e: 'info',
    versionMajor: 1,
    versionMinor: r.versionMinor,
    status: i.status,
    reason: i.reason,
    headers: fieldList(i.fields),
    contentLength: null,
    framing: 'none',
    keepAlive: r.versionMinor === 1,
    method: r.method,
  }));
  out.push({
    e: 'head',
    versionMajor: 1,
    versionMinor: r.versionMinor,
    status: r.status,
    reason: r.reason ?? '',
    headers: fieldList(allFields(r)),
    contentLength: contentLengthOf(r),
    framing: r.body.framing,
    keepAlive: keepAlive(r, r.body.framing),
    method: r.method,
  });
  return out.concat(bodyEvents(r.body));
}

/** One to three responses on a connection, as a keep-alive client would receive them. */
export const responses: fc.Arbitrary<Exchange> = fc.array(response, { minLength: 1, maxLength: 3 }).map((rs) => {
  const kept = upToClose(rs, (r) => !keepAlive(r, r.body.framing));
  return {
    wire: Buffer.from(kept.map(responseWire).join(''), 'latin1'),
    expected: kept.flatMap(responseEvents),
    methods: kept.map((r) => r.method),
  };
});

// ---- requests ----------------------------------------------------------------------------

export interface Request extends Common {
  method: string;
  target: string;
}

const target = fc.oneof(
  chars(range(0x21, 0x7e), 0, 40).map((t) => `/${t}`),
  fc.constant('*'),
  chars([...range(0x30, 0x39), ...range(0x61, 0x7a)], 1, 10).map((h) => `http://${h}.example/p?q=1`),
);

const request: fc.Arbitrary<Request> = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'), token(10).filter((m) => m !== 'CONNECT')),
  target,
  ...common,
  body: fc.oneof(
    lengthBody,
    chunkedBody,
    fc.record({ framing: fc.constant('none' as const), contentLength: fc.constantFrom(null, 0), te: fc.constant(null) }),
  ),
});

const requestFraming = (r: Request): Framing => (r.body.framing === 'length' && r.body.data.length === 0 ? 'none' : r.body.framing);

function requestWire(r: Request): string {
  return `${r.method} ${r.target} HTTP/1.${r.versionMinor}\r\n` + allFields(r).map(fieldLine).join('') + '\r\n' + bodyWire(r.body);
}

function requestEvents(r: Request): Ev[] {
  const framing = requestFraming(r);
  const head: Ev = {
    e: 'head',
    method: r.method,
    target: r.target,
    versionMajor: 1,
    versionMinor: r.versionMinor,
    headers: fieldList(allFields(r)),
    contentLength: contentLengthOf(r),
    framing,
    keepAlive: keepAlive(r, framing),
    upgrade: false,
  };
  return [head, ...bodyEvents(r.body)];
}

/** One to three (pipelined) requests on a connection. */
export const requests: fc.Arbitrary<Exchange> = fc.array(request, { minLength: 1, maxLength: 3 }).map((rs) => {
  const kept = upToClose(rs, (r) => !keepAlive(r, requestFraming(r)));
  return { wire: Buffer.from(kept.map(requestWire).join(''), 'latin1'), expected: kept.flatMap(requestEvents), methods: [] };
});

// ---- feeding -----------------------------------------------------------------------------

/** How to cut an input: up to 8 random offsets, or one byte at a time. */
export type Split = number[] | 'bytes';

export const split: fc.Arbitrary<Split> = fc.oneof(
  { weight: 9, arbitrary: fc.array(fc.nat(), { maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constant('bytes' as const) },
);

export function chunksOf(input: Buffer, how: Split): Buffer[] {
  if (how === 'bytes') return [...input].map((b) => Buffer.from([b]));
  return cut(input, how.map((o) => o % (input.length + 1)));
}

/** One byte-level edit of a message. */
export type Mutation =
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; byte: number }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number }
  | { op: 'truncate'; at: number };

/** Bytes that matter to the grammar, and any byte at all. */
const mutationByte = fc.oneof(fc.constantFrom(0, 9, 10, 13, 32, 34, 44, 48, 57, 58, 59, 61, 70, 92, 102, 127, 0x80, 0xff), fc.nat({ max: 255 }));

export const mutations: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: mutationByte }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: mutationByte }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  ),
  { minLength: 1, maxLength: 4 },
);

export function mutate(input: Buffer, edits: Mutation[]): Buffer {
  let b = input;
  for (const m of edits) {
    const at = m.at % (b.length + 1);
    switch (m.op) {
      case 'set':
        if (at < b.length) (b = Buffer.from(b))[at] = m.byte;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.length), b.subarray(at)]);
        break;
      default:
        b = b.subarray(0, at);
    }
  }
  return b;
}

/** Parser options a message must parse the same under (lenient only widens what is accepted). */
export const lenient = fc.boolean();

/** Options for mutants: leniency, and sometimes a small header limit to reach the overflow paths. */
export const mutantOptions = fc.record({
  lenient: fc.boolean(),
  maxHeaderSize: fc.option(fc.integer({ min: 16, max: 512 }), { nil: undefined }),
  maxChunkExtensionSize: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
});
