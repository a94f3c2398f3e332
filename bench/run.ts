// `npm run bench [-- --quick] [-- --rounds N]`: every benchmark, one after another, each in its
// own process (each interleaves its own contenders), then bench/RESULTS.md (tables, commands,
// machine, load) and bench/ratios.svg (the headline ratios) from their `--json` output.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArgs, ContenderResult, fmt, JsonReport, JsonSection } from './harness';

const BENCHES = ['futures', 'tcp-echo', 'http-client', 'http-stream', 'parser', 'scale'];

interface Outcome {
  name: string;
  command: string;
  seconds: number;
  loadBefore: number[];
  loadAfter: number[];
  stdout: string;
  /** Null when the bench failed before reporting. */
  report: JsonReport | null;
  error: string | null;
}

const { quick, rounds } = benchArgs();
const passOn = [...(quick ? ['--quick'] : []), ...(rounds === undefined ? [] : ['--rounds', String(rounds)])];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cl-async-bench-run-'));
process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));

function runOne(name: string): Outcome {
  const json = path.join(tmp, `${name}.json`);
  const args = ['-r', 'ts-node/register/transpile-only', path.join(__dirname, `${name}.ts`), ...passOn, '--json', json];
  const loadBefore = os.loadavg();
  const t0 = performance.now();
  process.stderr.write(`\n=== ${name} ===\n`);
  // Progress goes to stderr (shown live); the report on stdout is kept for RESULTS.md.
  const r = spawnSync(process.execPath, args, { cwd: path.dirname(__dirname), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(r.stdout ?? '');
  let report: JsonReport | null = null;
  try {
    report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
  } catch {
    // no report: the failure is described below
  }
  const failed = r.error !== undefined || r.status !== 0;
  return {
    name,
    command: ['npx ts-node -T', `bench/${name}.ts`, ...passOn].join(' '),
    seconds,
    loadBefore,
    loadAfter: os.loadavg(),
    stdout: r.stdout ?? '',
    report,
    error: failed ? (r.error?.message ?? `exit status ${r.status ?? r.signal}`) : null,
  };
}

function tryText(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

const loads = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' / ');

function table(section: JsonSection): string {
  const rows = section.results.map(
    (r: ContenderResult) =>
      `| ${section.ours.includes(r.name) ? `**${r.name}**` : r.name} | ${fmt(r.median)} | ${fmt(r.min)} – ${fmt(r.max)} | ${r.samples.length} | ${r.ratio.toFixed(2)}× |`,
  );
  return [
    `| contender | median ${section.unit} | min – max | runs | ratio vs ${section.baseline} |`,
    '|---|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

/** A section's title, short enough for a chart label. */
function shortTitle(title: string): string {
  const head = title.split(/ \(| — /)[0];
  if (head.length <= 48) return head;
  const cut = head.lastIndexOf(', ', 48);
  return cut > 0 ? head.slice(0, cut) : head.slice(0, 48);
}

interface Bar {
  label: string;
  ratio: number;
}

function headlines(outcomes: readonly Outcome[]): (Bar & { bench: string; section: JsonSection; result: ContenderResult })[] {
  return outcomes.flatMap((o) =>
    (o.report?.sections ?? []).flatMap((section) =>
      section.results
        .filter((r) => section.ours.includes(r.name))
        .map((result) => ({
          bench: o.name,
          section,
          result,
          label: `${shortTitle(section.title)} · ${result.name} vs ${section.baseline}`,
          ratio: result.ratio,
        })),
    ),
  );
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A diverging bar chart on a log scale: each bar runs from 1.0× to its ratio. */
function svg(bars: readonly Bar[], subtitle: string): string {
  const labelW = 470;
  const plotW = 420;
  const rowH = 22;
  const top = 64;
  const height = top + bars.length * rowH + 40;
  const lo = Math.min(0.25, ...bars.map((b) => b.ratio / 1.2));
  const hi = Math.max(4, ...bars.map((b) => b.ratio * 1.2));
  const x = (r: number): number => labelW + (Math.log(r / lo) / Math.log(hi / lo)) * plotW;
  const ticks = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16].filter((t) => t >= lo && t <= hi);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 70}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">cl-async for TypeScript: ratio vs baseline, same run (&gt; 1× is better)</text>`,
    `<text x="10" y="42" fill="#555">${esc(subtitle)}</text>`,
  ];
  for (const t of ticks) {
    out.push(
      `<line x1="${x(t).toFixed(1)}" y1="${top - 6}" x2="${x(t).toFixed(1)}" y2="${height - 30}" stroke="${t === 1 ? '#000' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`,
      `<text x="${x(t).toFixed(1)}" y="${height - 14}" text-anchor="middle" fill="#555">${t}×</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const [a, z] = b.ratio >= 1 ? [x(1), x(b.ratio)] : [x(b.ratio), x(1)];
    out.push(
      `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${a.toFixed(1)}" y="${y + 3}" width="${Math.max(1, z - a).toFixed(1)}" height="${rowH - 7}" fill="${b.ratio >= 1 ? '#3a8f4b' : '#d0783a'}"/>`,
      `<text x="${(b.ratio >= 1 ? z + 4 : a - 4).toFixed(1)}" y="${y + 14}" text-anchor="${b.ratio >= 1 ? 'start' : 'end'}">${b.ratio.toFixed(2)}×</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function markdown(outcomes: readonly Outcome[], started: Date, loadStart: number[]): string {
  const cpu = os.cpus();
  const undici = (require('undici/package.json') as { version: string }).version;
  const commit = tryText('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = tryText('git', ['status', '--porcelain', '--untracked-files=no']) === '' ? '' : ' plus uncommitted changes';
  const total = outcomes.reduce((a, o) => a + o.seconds, 0);
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${passOn.length > 0 ? ` -- ${passOn.join(' ')}` : ''}\` (bench/run.ts) on ${started.toISOString()}, ` +
      `commit ${commit}${dirty}; ${total.toFixed(0)} s in all.`,
    '',
    ...(quick ? ['**Quick mode**: fewer rounds, shorter windows and smaller sizes; indicative only.', ''] : []),
    `- Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`,
    `- Node ${process.version} (V8 ${process.versions.v8}), undici ${undici}`,
    `- Load average (1 / 5 / 15 min) at the start: ${loads(loadStart)}; at the end: ${loads(os.loadavg())}. ` +
      'The machine is shared: other work competes for the 2 cores, so absolute numbers are noisy. ' +
      'Ratios compare contenders run interleaved in the same run, each in a fresh process.',
    '- Ratios: > 1× means the first-named is better: ours ÷ baseline for throughput, baseline ÷ ours for memory and time. ' +
      'Rows in **bold** are the port’s own contenders.',
    '',
    '![headline ratios](ratios.svg)',
    '',
    '## Headline ratios',
    '',
    '| benchmark | measure | ours | median | baseline median | ratio |',
    '|---|---|---|--:|--:|--:|',
    ...headlines(outcomes).map((h) => {
      const base = h.section.results.find((r) => r.name === h.section.baseline)!;
      return `| ${h.bench} | ${shortTitle(h.section.title)} | ${h.result.name} | ${fmt(h.result.median)} ${h.section.unit} | ${fmt(base.median)} (${base.name}) | ${h.ratio.toFixed(2)}× |`;
    }),
  ];
  for (const o of outcomes) {
    lines.push(
      '',
      `## ${o.name}`,
      '',
      `\`${o.command}\` (run.ts adds \`--json FILE\`): ${o.seconds.toFixed(1)} s, load average ${loads(o.loadBefore)} before, ${loads(o.loadAfter)} after.`,
    );
    if (o.error !== null) lines.push('', `**Failed: ${o.error}.** Its output up to the failure is below.`);
    for (const section of o.report?.sections ?? []) {
      lines.push('', `### ${section.title}`, '', `${section.rounds} interleaved rounds; one contender run: \`${section.child}\``, '', table(section));
    }
    lines.push('', '<details><summary>Full output</summary>', '', '```text', o.stdout.trimEnd(), '```', '', '</details>');
  }
  return `${lines.join('\n')}\n`;
}

const started = new Date();
const loadStart = os.loadavg();
const outcomes = BENCHES.map(runOne);
writeFileSync(path.join(__dirname, 'RESULTS.md'), markdown(outcomes, started, loadStart));
const bars = headlines(outcomes);
writeFileSync(
  path.join(__dirname, 'ratios.svg'),
  svg(bars, `${quick ? 'quick run, ' : ''}${started.toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus().length} cores, load average ${loadStart[0].toFixed(1)}; log scale`),
);
const failed = outcomes.filter((o) => o.error !== null);
process.stderr.write(
  `\nwrote bench/RESULTS.md and bench/ratios.svg after ${(performance.now() / 1000).toFixed(0)} s` +
    `${failed.length > 0 ? `; FAILED: ${failed.map((o) => o.name).join(', ')}` : ''}\n`,
);
if (failed.length > 0) process.exitCode = 1;
