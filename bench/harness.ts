/**
 * A small benchmark harness: every contender runs in a fresh child process, contenders are
 * interleaved round by round (A B C A B C …) so drift hits them alike, and ratios are taken
 * against a baseline measured in the same run.
 *
 * Parent side: `runBench(spec)` then `printReport(spec, results)`.
 * Child side: the contender script calls `contenderMain(contenders)`; it receives the contender
 * name and a JSON parameter object on argv, and prints one JSON line `{"value": number}`.
 */
import { execFileSync } from 'node:child_process';

export interface BenchSpec {
  title: string;
  /** Path of the contender script (a .ts file runs through ts-node). */
  script: string;
  /** Contender names, in the order of each round. */
  contenders: string[];
  /** The contender the ratios are taken against. */
  baseline: string;
  rounds: number;
  /** Passed to every child as JSON. */
  params?: Record<string, unknown>;
  unit: string;
  /** Default true (throughput); false for latencies and times. */
  higherIsBetter?: boolean;
  /** Per child run, default 120 s. */
  timeoutMs?: number;
}

export interface ContenderResult {
  name: string;
  samples: number[];
  median: number;
  min: number;
  max: number;
  /** median / baseline median, inverted when lower is better, so > 1 always means faster. */
  ratio: number;
}

export type ContenderFn = (params: Record<string, unknown>) => number | Promise<number>;

const TS_NODE = require.resolve('ts-node/register/transpile-only');

/** The argv that runs one contender. */
export function childArgs(spec: BenchSpec, name: string): string[] {
  const pre = spec.script.endsWith('.ts') ? ['-r', TS_NODE] : [];
  return [...pre, spec.script, name, JSON.stringify(spec.params ?? {})];
}

function runChild(spec: BenchSpec, name: string): number {
  const out = execFileSync(process.execPath, childArgs(spec, name), {
    encoding: 'utf8',
    timeout: spec.timeoutMs ?? 120_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  const value = line === undefined ? NaN : Number((JSON.parse(line) as { value: unknown }).value);
  if (!Number.isFinite(value)) throw new Error(`contender ${name} printed no {"value": number} line:\n${out}`);
  return value;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs `rounds` interleaved rounds; `onSample` sees each result as it arrives. */
export function runBench(
  spec: BenchSpec,
  onSample?: (name: string, value: number, round: number) => void,
): ContenderResult[] {
  if (!spec.contenders.includes(spec.baseline)) throw new Error(`baseline ${spec.baseline} is not a contender`);
  const samples = new Map<string, number[]>(spec.contenders.map((n) => [n, []]));
  for (let round = 0; round < spec.rounds; round++) {
    for (const name of spec.contenders) {
      const v = runChild(spec, name);
      samples.get(name)!.push(v);
      onSample?.(name, v, round);
    }
  }
  const base = median(samples.get(spec.baseline)!);
  const higher = spec.higherIsBetter ?? true;
  return spec.contenders.map((name) => {
    const xs = samples.get(name)!;
    const m = median(xs);
    return { name, samples: xs, median: m, min: Math.min(...xs), max: Math.max(...xs), ratio: higher ? m / base : base / m };
  });
}

function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}

/** The table, with the command that produced it. */
export function formatReport(spec: BenchSpec, results: readonly ContenderResult[]): string {
  const cmd = [process.execPath, ...process.execArgv, ...process.argv.slice(1)].join(' ');
  const width = Math.max(...results.map((r) => r.name.length), 10);
  const lines = [
    `# ${spec.title}`,
    `command: ${cmd}`,
    `child:   ${process.execPath} ${childArgs(spec, '<contender>').join(' ')}`,
    `node ${process.version}, ${spec.rounds} interleaved rounds, fresh process per run; ratio vs ${spec.baseline} (>1 is faster)`,
    '',
    `${'contender'.padEnd(width)}  ${`median ${spec.unit}`.padStart(16)}  ${'min – max'.padStart(25)}  ratio`,
  ];
  for (const r of results) {
    lines.push(
      `${r.name.padEnd(width)}  ${fmt(r.median).padStart(16)}  ${`${fmt(r.min)} – ${fmt(r.max)}`.padStart(25)}  ${r.ratio.toFixed(2)}×`,
    );
  }
  return lines.join('\n');
}

export function printReport(spec: BenchSpec, results: readonly ContenderResult[]): void {
  process.stdout.write(`${formatReport(spec, results)}\n`);
}

/** Child side: runs the contender named on argv and prints `{"value": …}`. */
export async function contenderMain(contenders: Record<string, ContenderFn>): Promise<void> {
  const [name, json] = process.argv.slice(2);
  const fn = contenders[name];
  if (fn === undefined) throw new Error(`unknown contender ${name}; known: ${Object.keys(contenders).join(', ')}`);
  const value = await fn(JSON.parse(json ?? '{}') as Record<string, unknown>);
  process.stdout.write(`${JSON.stringify({ name, value })}\n`);
}

/** Options every bench understands: `--quick` and `--rounds N`. */
export function benchArgs(argv = process.argv.slice(2)): { quick: boolean; rounds?: number } {
  const i = argv.indexOf('--rounds');
  return { quick: argv.includes('--quick'), rounds: i >= 0 ? Number(argv[i + 1]) : undefined };
}
