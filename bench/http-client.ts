// HTTP client throughput: ours (httpRequest, buffered body, and wantStream) vs undici.request on
// a Pool({connections: C, pipelining: 1}) vs http.request on a keep-alive Agent({maxSockets: C}),
// against a canned-response net server in its own process (reference/http.md §5).
//   npx ts-node -T bench/http-client.ts [--quick] [--rounds N] [--json FILE] [--no-pin]
// Targets: ours ≥ 1.0× http everywhere; ≥ 0.7× undici at 12 B, C=50 (stretch: parity).
import os from 'node:os';
import path from 'node:path';
import { benchArgs, BenchSpec, ContenderResult, median, printReport, readJsonLines, runBench } from './harness';
import { benchAgainstServer, BenchServer, BIG_BODY, SMALL_BODY } from './http-server';

const { quick, rounds } = benchArgs();
const pin = !process.argv.includes('--no-pin');
const CONTENDERS = ['http', 'undici', 'ours', 'ours-stream'];

const SCENARIOS = [
  { label: '12 B body, C=1', path: '/small', size: SMALL_BODY, connections: 1 },
  { label: '12 B body, C=10', path: '/small', size: SMALL_BODY, connections: 10 },
  { label: '12 B body, C=50', path: '/small', size: SMALL_BODY, connections: 50 },
  { label: '64 KiB body, C=50', path: '/big', size: BIG_BODY, connections: 50 },
];

interface Extra {
  name: string;
  [key: string]: number | string;
}

function run(dir: string, script: string, server: BenchServer): void {
  // Clients on core 0 when the server is pinned to another one.
  const core = server.core === null ? null : 0;
  const summary: string[] = [];
  for (const [i, s] of SCENARIOS.entries()) {
    const statsFile = path.join(dir, `stats-${i}.jsonl`);
    const params = {
      mode: 'loop',
      port: server.port,
      path: s.path,
      size: s.size,
      connections: s.connections,
      rateMBps: 0,
      core,
      statsFile,
      ...(quick ? { warmupMs: 200, measureMs: 300 } : { warmupMs: 1000, measureMs: 4000 }),
    };
    // The server's ceiling: a bare net client that counts bytes without parsing (one run).
    const ceiling = quick ? null : runBench({ title: '', script, contenders: ['net-raw'], baseline: 'net-raw', rounds: 1, params, unit: 'req/s' })[0];
    const spec: BenchSpec = {
      title: `HTTP client, ${s.label} (keep-alive, ${s.connections} connection${s.connections > 1 ? 's' : ''}, every body length checked)`,
      script,
      contenders: CONTENDERS,
      baseline: 'http',
      rounds: rounds ?? (quick ? 2 : 5),
      params,
      unit: 'req/s',
      ours: ['ours', 'ours-stream'],
    };
    const results = runBench(spec, (name, v, round) =>
      process.stderr.write(`${s.label} round ${round + 1}/${spec.rounds} ${name}: ${Math.round(v).toLocaleString('en-US')} req/s\n`),
    );
    printReport(spec, results);
    const rows = readJsonLines<Extra>(statsFile);
    const byName = (name: string): ContenderResult => results.find((r) => r.name === name)!;
    // Ratios taken round by round, then the median: drift from other load cancels within a round.
    const roundRatio = (a: string, b: string): number => median(byName(a).samples.map((x, k) => x / byName(b).samples[k]));
    process.stdout.write(
      `\n${'contender'.padEnd(12)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  ${'CPU µs/req'.padStart(10)}  ` +
        `${'client CPU'.padStart(10)}  ${'server CPU'.padStart(10)}  ${'÷undici'.padStart(7)}  per-round ÷http, ÷undici\n`,
    );
    for (const r of results) {
      const e = (key: string): number => median(rows.filter((x) => x.name === r.name).map((x) => Number(x[key])));
      process.stdout.write(
        `${r.name.padEnd(12)}  ${e('p50ms').toFixed(3).padStart(7)}  ${e('p99ms').toFixed(3).padStart(7)}  ${e('cpuUsPerReq').toFixed(1).padStart(10)}  ` +
          `${`${Math.round(e('clientCpu') * 100)} %`.padStart(10)}  ${`${Math.round(e('serverCpu') * 100)} %`.padStart(10)}  ` +
          `${`${(r.median / byName('undici').median).toFixed(2)}×`.padStart(7)}  ${roundRatio(r.name, 'http').toFixed(2)}×, ${roundRatio(r.name, 'undici').toFixed(2)}×\n`,
      );
    }
    if (ceiling !== null) process.stdout.write(`server ceiling (bare net client, no parsing): ${Math.round(ceiling.median).toLocaleString('en-US')} req/s\n`);
    process.stdout.write('\n');
    for (const name of ['ours', 'ours-stream']) {
      summary.push(
        `${s.label.padEnd(18)} ${name.padEnd(12)} ÷http ${byName(name).ratio.toFixed(2)}× (per round ${roundRatio(name, 'http').toFixed(2)}×)` +
          `  ÷undici ${(byName(name).median / byName('undici').median).toFixed(2)}× (per round ${roundRatio(name, 'undici').toFixed(2)}×)`,
      );
    }
  }
  process.stdout.write(`ratios of medians (and medians of per-round ratios), load average now ${os.loadavg()[0].toFixed(2)}:\n${summary.join('\n')}\n`);
}

benchAgainstServer(1800, pin, run);
