// Scale: one server process holds 19,000 concurrent connections (this machine's limit is 20,000
// file descriptors a process), each request answered after a 1 s delay as in cl-async's own
// benchmark, so the connections pile up. cl-async's tcpServer + delay vs the same on raw `net` +
// setTimeout; 4 client processes, each from its own 127.0.0.x; loopback only.
//   npx ts-node -T bench/scale.ts [--quick] [--rounds N] [--json FILE] [--no-pin]
// Targets: ≥ 19,000 connections held; memory per connection (RSS and heap) within 1.2× of net.
import os from 'node:os';
import path from 'node:path';
import { benchArgs, BenchSpec, compileBench, ContenderResult, hasTaskset, median, printReport, readJsonLines, runBench, summarize } from './harness';
import type { ScaleRow } from './scale-server';

const { quick, rounds } = benchArgs();
const pin = !process.argv.includes('--no-pin') && os.cpus().length > 1 && hasTaskset();
const connections = quick ? 2000 : 19_000;
// Quick mode halves the delay to halve the settling and the window.
const delayMs = quick ? 500 : 1000;
const statsFile = path.join(compileBench().dir, 'scale.jsonl');

const spec: BenchSpec = {
  title: `scale: server RSS per connection, peak over baseline (${connections.toLocaleString('en-US')} connections, every reply after ${delayMs / 1000} s)`,
  script: path.join(__dirname, 'scale-server.ts'),
  contenders: ['net', 'cl-async'],
  baseline: 'net',
  rounds: rounds ?? (quick ? 2 : 3),
  params: {
    connections,
    clients: 4,
    delayMs,
    // Whole delays, so that every connection answers the same number of times in the window.
    windowMs: (quick ? 2 : 5) * delayMs,
    rampTimeoutMs: 30_000,
    core: pin ? os.cpus().length - 1 : null,
    clientCore: pin ? 0 : null,
    statsFile,
  },
  unit: 'B/conn',
  higherIsBetter: false,
  ours: ['cl-async'],
  nodeArgs: ['--expose-gc'],
  timeoutMs: 120_000,
};

process.stdout.write(
  `node ${process.version}, ${os.cpus().length} cores; server on core ${spec.params!.core ?? 'any'}, ` +
    `4 client processes on core ${spec.params!.clientCore ?? 'any'}; load average ${os.loadavg()[0].toFixed(2)}\n\n`,
);
const results = runBench(spec, (name, v, round) =>
  process.stderr.write(`scale round ${round + 1}/${spec.rounds} ${name}: ${Math.round(v)} B/conn RSS\n`),
);
printReport(spec, results);

// The other measures of the same runs, in the same shape.
const rows = readJsonLines<ScaleRow>(statsFile);
const samples = (key: keyof ScaleRow): Map<string, number[]> =>
  new Map(spec.contenders.map((name) => [name, rows.filter((r) => r.name === name).map((r) => Number(r[key]))]));
const derived: { key: keyof ScaleRow; what: string; unit: string; higherIsBetter: boolean; ours?: string[] }[] = [
  { key: 'heapPerConn', what: 'V8 heap per connection after GC, over baseline', unit: 'B/conn', higherIsBetter: false },
  { key: 'reqPerSec', what: `requests answered per second (ideal ≈ ${((connections * 1000) / delayMs).toLocaleString('en-US')})`, unit: 'req/s', higherIsBetter: true },
  { key: 'connections', what: 'connections held at peak', unit: 'connections', higherIsBetter: true, ours: [] },
];
const ours = (rs: readonly ContenderResult[]): number => rs.find((r) => r.name === 'cl-async')!.ratio;
const ratios: Record<string, number> = { rssPerConn: ours(results) };
for (const d of derived) {
  const s: BenchSpec = { ...spec, title: `scale: ${d.what}`, unit: d.unit, higherIsBetter: d.higherIsBetter, ours: d.ours ?? spec.ours };
  const r = summarize(s, samples(d.key));
  process.stdout.write('\n');
  printReport(s, r);
  ratios[d.key] = ours(r);
}

process.stdout.write(
  `\n${'contender'.padEnd(10)}  ${'ramp s'.padStart(7)}  ${'p50 ms'.padStart(8)}  ${'p99 ms'.padStart(8)}  ${'max ms'.padStart(8)}  ` +
    `${'server errors'.padStart(13)}  ${'client errors'.padStart(13)}  (medians; latency includes the ${delayMs} ms delay)\n`,
);
for (const name of spec.contenders) {
  const m = (key: keyof ScaleRow): number => median(samples(key).get(name)!);
  process.stdout.write(
    `${name.padEnd(10)}  ${m('rampSeconds').toFixed(2).padStart(7)}  ${m('p50ms').toFixed(1).padStart(8)}  ${m('p99ms').toFixed(1).padStart(8)}  ` +
      `${m('maxMs').toFixed(1).padStart(8)}  ${String(m('serverErrors')).padStart(13)}  ${String(m('clientErrors')).padStart(13)}\n`,
  );
}
const held = Math.min(...samples('connections').get('cl-async')!);
process.stdout.write(
  `\ntargets: cl-async held ${held.toLocaleString('en-US')} connections (want ≥ ${connections.toLocaleString('en-US')}); ` +
    `memory per connection cl-async ÷ net: RSS ${(1 / ratios.rssPerConn).toFixed(2)}×, heap ${(1 / ratios.heapPerConn).toFixed(2)}× (want ≤ 1.2); ` +
    `req/s ${ratios.reqPerSec.toFixed(2)}×; load average now ${os.loadavg()[0].toFixed(2)}\n`,
);
