// TCP echo through cl-async's tcpServer/tcpConnect vs the same with raw `net`: throughput
// (MB/s, 64 KiB writes) and small-message round trips (64 B ping-pong), loopback, one client.
//   npx ts-node -T bench/tcp-echo.ts [--quick] [--rounds N] [--json FILE]
// Target: cl-async ≥ 0.9× net on both.
import * as path from 'node:path';
import { benchArgs, BenchSpec, printReport, runBench } from './harness';

const { quick, rounds } = benchArgs();
const script = path.join(__dirname, 'tcp-echo-contender.ts');
const base = { script, contenders: ['net', 'cl-async'], baseline: 'net', rounds: rounds ?? (quick ? 3 : 7), ours: ['cl-async'] };

const specs: BenchSpec[] = [
  {
    ...base,
    title: 'tcp echo throughput, 64 KiB writes',
    params: { mode: 'throughput', megabytes: quick ? 128 : 1024, ms: 0 },
    unit: 'MB/s',
  },
  {
    ...base,
    title: 'tcp echo round trips, 64 B ping-pong',
    params: { mode: 'roundtrip', megabytes: 0, ms: quick ? 300 : 2000 },
    unit: 'trips/s',
  },
];

const summary: string[] = [];
for (const spec of specs) {
  const results = runBench(spec, (name, v, round) =>
    process.stderr.write(`${spec.title}: round ${round + 1}/${spec.rounds} ${name}: ${v.toFixed(1)} ${spec.unit}\n`),
  );
  printReport(spec, results);
  process.stdout.write('\n');
  summary.push(`${spec.unit === 'MB/s' ? 'throughput' : 'round trips'} ${results.find((r) => r.name === 'cl-async')!.ratio.toFixed(2)}×`);
}
process.stdout.write(`targets: cl-async vs net: ${summary.join(', ')} (want ≥ 0.9 on both)\n`);
