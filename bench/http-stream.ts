// Streaming download: one response of SIZE bytes (Content-Length) read through ours
// (httpRequest with wantStream) vs undici.request (stream body) vs http.request, each in a fresh
// process, interleaved. A fast consumer gives MB/s; a slow one (50 MB/s) shows that memory stays
// flat under back-pressure (peak RSS, sampled every 100 ms).
//   npx ts-node -T bench/http-stream.ts [--quick] [--rounds N] [--json FILE] [--no-pin]
// Targets: ours ≥ 0.95× undici MB/s; peak RSS within +20 MB of undici's.
import path from 'node:path';
import { benchArgs, BenchSpec, median, printReport, readJsonLines, runBench } from './harness';
import { benchAgainstServer, BenchServer } from './http-server';

const { quick, rounds } = benchArgs();
const pin = !process.argv.includes('--no-pin');
const MiB = 2 ** 20;
const FAST_SIZE = quick ? 128 * MiB : 1024 * MiB;
const SLOW_SIZE = quick ? 32 * MiB : 256 * MiB;
const SLOW_RATE = 50;
const CONTENDERS = ['undici', 'ours-stream', 'http'];

interface Extra {
  name: string;
  MBps: number;
  peakRssMB: number;
  startRssMB: number;
  firstHalfPeakMB: number;
  secondHalfPeakMB: number;
}

function run(dir: string, script: string, server: BenchServer): void {
  // Clients on core 0 when the server is pinned to another one.
  const core = server.core === null ? null : 0;
  const runs = [
    { label: `fast consumer, ${FAST_SIZE / MiB} MiB`, size: FAST_SIZE, rateMBps: 0, unit: 'MB/s', higherIsBetter: true },
    { label: `slow consumer (${SLOW_RATE} MB/s), ${SLOW_SIZE / MiB} MiB`, size: SLOW_SIZE, rateMBps: SLOW_RATE, unit: 'peak RSS MiB', higherIsBetter: false },
  ];
  for (const [i, r] of runs.entries()) {
    const statsFile = path.join(dir, `stream-${i}.jsonl`);
    const spec: BenchSpec = {
      title: `HTTP streaming download, ${r.label}, one connection (Content-Length, every byte counted)`,
      script,
      contenders: CONTENDERS,
      baseline: 'undici',
      rounds: rounds ?? (quick ? 2 : 5),
      params: { mode: 'download', port: server.port, path: `/stream/${r.size}`, size: r.size, connections: 1, rateMBps: r.rateMBps, core, statsFile },
      unit: r.unit,
      higherIsBetter: r.higherIsBetter,
      timeoutMs: 300_000,
      ours: ['ours-stream'],
    };
    const results = runBench(spec, (name, v, round) =>
      process.stderr.write(`${r.label} round ${round + 1}/${spec.rounds} ${name}: ${v.toFixed(1)} ${r.unit}\n`),
    );
    printReport(spec, results);
    const rows = readJsonLines<Extra>(statsFile);
    process.stdout.write(
      `\n${'contender'.padEnd(12)}  ${'MB/s'.padStart(7)}  ${'start RSS MiB'.padStart(13)}  ${'peak RSS MiB'.padStart(12)}  ` +
        `${'peak 1st half'.padStart(13)}  ${'peak 2nd half'.padStart(13)}  (medians)\n`,
    );
    for (const name of CONTENDERS) {
      const mine = rows.filter((x) => x.name === name);
      const m = (f: (x: Extra) => number): number => median(mine.map(f));
      process.stdout.write(
        `${name.padEnd(12)}  ${m((x) => x.MBps).toFixed(0).padStart(7)}  ${m((x) => x.startRssMB).toFixed(1).padStart(13)}  ` +
          `${m((x) => x.peakRssMB).toFixed(1).padStart(12)}  ${m((x) => x.firstHalfPeakMB).toFixed(1).padStart(13)}  ${m((x) => x.secondHalfPeakMB).toFixed(1).padStart(13)}\n`,
      );
    }
    process.stdout.write('\n');
  }
}

benchAgainstServer(900, pin, run);
