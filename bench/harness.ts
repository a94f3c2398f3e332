/**
 * A small benchmark harness: every contender runs in a fresh child process, contenders are
 * interleaved round by round (A B C A B C …) so drift hits them alike, and ratios are taken
 * against a baseline measured in the same run.
 *
 * Parent side: `runBench(spec)` then `printReport(spec, results)`; with `--json FILE` every
 * report also goes to FILE (what `bench/run.ts` turns into bench/RESULTS.md).
 * Child side: the contender script calls `contenderMain(contenders)`; it receives the contender
 * name and a JSON parameter object on argv, and prints one JSON line `{"value": number}`.
 * Children run from a copy of src/ and bench/ transpiled once per parent (`compileBench`).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
  /** The port's contenders: their ratios are the headline ones (bench/ratios.svg). */
  ours?: string[];
  /** Node options for the children (e.g. `--expose-gc`). */
  nodeArgs?: string[];
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

const ROOT = path.resolve(__dirname, '..');

interface Compiled {
  dir: string;
  /** The `.js` path of a bench script, by its file name (`futures-contender.js`). */
  script(name: string): string;
}

let compiled: Compiled | undefined;

/**
 * Transpile `src/` and `bench/` once per process into a temporary directory (removed at exit),
 * so that the dozens of child processes start in milliseconds instead of loading the TypeScript
 * compiler each (about 0.7 s). The code run is the same as under `ts-node -T`.
 */
export function compileBench(): Compiled {
  if (compiled !== undefined) return compiled;
  const ts = require('typescript') as typeof import('typescript');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-async-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const sub of ['src', 'bench']) {
    for (const entry of readdirSync(path.join(ROOT, sub), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const from = path.join(entry.parentPath, entry.name);
      const to = path.join(dir, path.relative(ROOT, from)).replace(/\.ts$/, '.js');
      const { outputText } = ts.transpileModule(readFileSync(from, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: from,
      });
      mkdirSync(path.dirname(to), { recursive: true });
      writeFileSync(to, outputText);
    }
  }
  // Packages (undici, eventemitter3) resolve from the project's node_modules.
  process.env.NODE_PATH = path.join(ROOT, 'node_modules');
  compiled = { dir, script: (name) => path.join(dir, 'bench', name) };
  return compiled;
}

/** A bench script as run: `.ts` sources through their transpiled copy. */
function runnable(script: string): string {
  return script.endsWith('.ts') ? compileBench().script(path.relative(path.join(ROOT, 'bench'), script).replace(/\.ts$/, '.js')) : script;
}

/** The source of a script that may be a transpiled copy, relative to the project. */
function sourceOf(script: string): string {
  const copy = compiled?.dir;
  return copy !== undefined && script.startsWith(copy + path.sep) ? path.relative(copy, script).replace(/\.js$/, '.ts') : path.relative(ROOT, script);
}

/** The argv that runs one contender. */
export function childArgs(spec: BenchSpec, name: string): string[] {
  return [...(spec.nodeArgs ?? []), runnable(spec.script), name, JSON.stringify(spec.params ?? {})];
}

/** An equivalent command that runs one contender from the sources. */
function childCommand(spec: BenchSpec): string {
  const args = [...(spec.nodeArgs ?? []), '-r ts-node/register/transpile-only', sourceOf(spec.script), '<contender>'];
  return `node ${args.join(' ')} '${JSON.stringify(spec.params ?? {})}'`;
}

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pin this process (all its threads) to `core`; null leaves it free. */
export function pinTo(core: number | null): void {
  if (core !== null) execFileSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

/** Side results of children, one JSON object a line (the harness's value is one number). */
export function appendJsonLine(file: string, row: object): void {
  appendFileSync(file, `${JSON.stringify(row)}\n`);
}

export function readJsonLines<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);
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
  return summarize(spec, samples);
}

/** Medians, ranges and ratios of samples per contender (e.g. side results of a `runBench`). */
export function summarize(
  spec: Pick<BenchSpec, 'contenders' | 'baseline' | 'higherIsBetter'>,
  samples: ReadonlyMap<string, readonly number[]>,
): ContenderResult[] {
  const base = median(samples.get(spec.baseline)!);
  const higher = spec.higherIsBetter ?? true;
  return spec.contenders.map((name) => {
    const xs = [...samples.get(name)!];
    const m = median(xs);
    return { name, samples: xs, median: m, min: Math.min(...xs), max: Math.max(...xs), ratio: higher ? m / base : base / m };
  });
}

/** A number for tables: grouped integers from 100 up, else 3 significant digits. */
export function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}

function parentCommand(): string {
  return [process.execPath, ...process.execArgv, ...process.argv.slice(1)].join(' ');
}

/** The table, with the command that produced it. */
export function formatReport(spec: BenchSpec, results: readonly ContenderResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length), 10);
  const lines = [
    `# ${spec.title}`,
    `command: ${parentCommand()}`,
    `child:   ${childCommand(spec)}`,
    `node ${process.version}, ${spec.rounds} interleaved rounds, fresh process per run; ratio vs ${spec.baseline} (>1 is better)`,
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

/** One report as `--json` writes it. */
export interface JsonSection {
  title: string;
  unit: string;
  baseline: string;
  higherIsBetter: boolean;
  rounds: number;
  ours: string[];
  child: string;
  results: ContenderResult[];
}

/** What `--json FILE` holds: every report printed so far by this bench. */
export interface JsonReport {
  command: string;
  node: string;
  sections: JsonSection[];
}

const sections: JsonSection[] = [];

export function printReport(spec: BenchSpec, results: readonly ContenderResult[]): void {
  process.stdout.write(`${formatReport(spec, results)}\n`);
  const { json } = benchArgs();
  if (json === undefined) return;
  sections.push({
    title: spec.title,
    unit: spec.unit,
    baseline: spec.baseline,
    higherIsBetter: spec.higherIsBetter ?? true,
    rounds: spec.rounds,
    ours: spec.ours ?? [],
    child: childCommand(spec),
    results: [...results],
  });
  const report: JsonReport = { command: parentCommand(), node: process.version, sections };
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
}

/** Child side: runs the contender named on argv and prints `{"value": …}`. */
export async function contenderMain(contenders: Record<string, ContenderFn>): Promise<void> {
  const [name, json] = process.argv.slice(2);
  const fn = contenders[name];
  if (fn === undefined) throw new Error(`unknown contender ${name}; known: ${Object.keys(contenders).join(', ')}`);
  const value = await fn(JSON.parse(json ?? '{}') as Record<string, unknown>);
  process.stdout.write(`${JSON.stringify({ name, value })}\n`);
}

/** Options every bench understands: `--quick`, `--rounds N` and `--json FILE`. */
export function benchArgs(argv = process.argv.slice(2)): { quick: boolean; rounds?: number; json?: string } {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const rounds = value('--rounds');
  return { quick: argv.includes('--quick'), rounds: rounds === undefined ? undefined : Number(rounds), json: value('--json') };
}
