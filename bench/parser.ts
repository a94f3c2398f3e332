// Response-parser throughput in MB/s of wire bytes, against Node's own llhttp binding as reference.
//   npx ts-node -T bench/parser.ts [--quick] [--rounds N] [--json FILE]
// Scenarios: a keep-alive stream of small responses (12 B bodies), one 64 KiB Content-Length
// response, one 64 KiB chunked response (16 KiB chunks). Input arrives in 64 KiB socket-sized
// reads, so lines and bodies are cut at arbitrary places as on a real connection.
// This file is both the parent (no argv) and the child run by bench/harness.ts (contender argv).
import { benchArgs, contenderMain, printReport, runBench, type BenchSpec } from './harness';
import { ResponseParser, type ResponseHandler } from '../src/http/parser';

const READ = 64 * 1024;

function smallResponse(k: number): string {
  return (
    'HTTP/1.1 200 OK\r\n' +
    `Date: Tue, 24 Nov 2026 21:${String(k % 60).padStart(2, '0')}:00 GMT\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    'Content-Length: 12\r\n' +
    'Connection: keep-alive\r\n' +
    'Keep-Alive: timeout=5\r\n' +
    '\r\n' +
    'hello world!'
  );
}

interface Scenario {
  /** The wire bytes of one pass. */
  wire: Buffer;
  /** Responses per pass. */
  messages: number;
}

function scenario(name: string): Scenario {
  if (name === 'small') {
    const parts = Array.from({ length: 1000 }, (_, k) => smallResponse(k));
    return { wire: Buffer.from(parts.join(''), 'latin1'), messages: parts.length };
  }
  const body = Buffer.alloc(64 * 1024, 'x');
  if (name === 'length') {
    const head = `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`;
    return { wire: Buffer.concat([Buffer.from(head, 'latin1'), body]), messages: 1 };
  }
  const chunks: Buffer[] = [Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1')];
  for (let k = 0; k < body.length; k += 16384) {
    chunks.push(Buffer.from('4000\r\n', 'latin1'), body.subarray(k, k + 16384), Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return { wire: Buffer.concat(chunks), messages: 1 };
}

/** The pass cut into socket-sized reads (fresh buffers, as a socket delivers them). */
function reads(wire: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let k = 0; k < wire.length; k += READ) out.push(Buffer.from(wire.subarray(k, k + READ)));
  return out;
}

type Feed = (chunk: Buffer) => void;

function ours(counter: { messages: number; bytes: number }): Feed {
  const handler: ResponseHandler = {
    onHeaders() {},
    onBody(chunk) {
      counter.bytes += chunk.length;
    },
    onMessageComplete() {
      counter.messages++;
    },
  };
  const parser = new ResponseParser(handler);
  return (chunk) => {
    parser.execute(chunk);
  };
}

function llhttp(counter: { messages: number; bytes: number }): Feed {
  // Node's internal binding (what http.request uses); deprecated as a public API, fine here.
  const { HTTPParser } = (process as unknown as { binding(name: string): any }).binding('http_parser');
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.RESPONSE, {});
  parser[HTTPParser.kOnHeadersComplete] = () => 0;
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
    counter.bytes += chunk.length;
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    counter.messages++;
  };
  return (chunk) => {
    const r = parser.execute(chunk);
    if (r instanceof Error) throw r;
  };
}

/** Child: MB/s of wire bytes parsed during `measureMs`, after a warm-up. */
function measure(make: (c: { messages: number; bytes: number }) => Feed, params: Record<string, unknown>): number {
  const { wire, messages } = scenario(String(params.scenario));
  const pass = reads(wire);
  const counter = { messages: 0, bytes: 0 };
  const feed = make(counter);
  const run = (ms: number): { passes: number; ns: bigint } => {
    const start = process.hrtime.bigint();
    const end = start + BigInt(ms) * 1_000_000n;
    let passes = 0;
    let now = start;
    while (now < end) {
      for (let r = 0; r < 20; r++) for (const chunk of pass) feed(chunk);
      passes += 20;
      now = process.hrtime.bigint();
    }
    return { passes, ns: now - start };
  };
  run(Number(params.warmupMs));
  const before = counter.messages;
  const { passes, ns } = run(Number(params.measureMs));
  // correctness inside the loop: every message was parsed
  if (counter.messages - before !== passes * messages) throw new Error(`parsed ${counter.messages - before} of ${passes * messages}`);
  return (passes * wire.length) / 1e6 / (Number(ns) / 1e9);
}

if (process.argv.length > 2 && !process.argv[2].startsWith('--')) {
  void contenderMain({
    ours: (params) => measure(ours, params),
    llhttp: (params) => measure(llhttp, params),
  });
} else {
  const { quick, rounds } = benchArgs();
  for (const name of ['small', 'length', 'chunked']) {
    const { wire, messages } = scenario(name);
    const spec: BenchSpec = {
      title: `response parser, ${name}: ${messages} response(s), ${wire.length} wire bytes per pass, ${READ / 1024} KiB reads`,
      script: __filename,
      contenders: ['llhttp', 'ours'],
      baseline: 'llhttp',
      rounds: rounds ?? (quick ? 3 : 5),
      params: { scenario: name, ...(quick ? { warmupMs: 100, measureMs: 250 } : { warmupMs: 500, measureMs: 1500 }) },
      unit: 'MB/s',
      ours: ['ours'],
    };
    const results = runBench(spec, (who, v, round) =>
      process.stderr.write(`round ${round + 1}/${spec.rounds} ${name} ${who}: ${v.toFixed(0)} MB/s\n`),
    );
    printReport(spec, results);
    const perMessage = wire.length / messages;
    for (const r of results) {
      process.stdout.write(`  ${r.name}: ${Math.round((r.median * 1e6) / perMessage).toLocaleString('en-US')} responses/s\n`);
    }
    process.stdout.write('\n');
  }
}
