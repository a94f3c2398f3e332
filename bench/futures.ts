// Futures vs native Promise vs bluebird: links per second through a 1,000-link chain.
//   npx ts-node -T bench/futures.ts [--quick] [--rounds N] [--json FILE]
// Targets: future-attach ≥ 2× promise-then; future-then ≥ 0.8× promise-then.
import * as path from 'node:path';
import { benchArgs, BenchSpec, printReport, runBench } from './harness';

const { quick, rounds } = benchArgs();

const spec: BenchSpec = {
  title: 'futures: 1,000-link chains, settled from the root',
  script: path.join(__dirname, 'futures-contender.ts'),
  contenders: ['promise-then', 'future-attach', 'future-then', 'bluebird-then'],
  baseline: 'promise-then',
  rounds: rounds ?? (quick ? 3 : 5),
  params: quick ? { warmupMs: 100, measureMs: 200 } : { warmupMs: 400, measureMs: 1000 },
  unit: 'links/s',
  ours: ['future-attach', 'future-then'],
};

const results = runBench(spec, (name, v, round) =>
  process.stderr.write(`round ${round + 1}/${spec.rounds} ${name}: ${Math.round(v).toLocaleString('en-US')} links/s\n`),
);
printReport(spec, results);

const ratio = (name: string): number => results.find((r) => r.name === name)!.ratio;
process.stdout.write(
  `\ntargets: future-attach ${ratio('future-attach').toFixed(2)}× (want ≥ 2), ` +
    `future-then ${ratio('future-then').toFixed(2)}× (want ≥ 0.8)\n`,
);
