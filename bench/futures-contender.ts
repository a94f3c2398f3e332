// One contender of bench/futures.ts, run in its own process by the harness.
// Each batch builds a chain of LINKS links on a pending root, settles the root and waits for the
// end of the chain; the value printed is links per second.
import Bluebird from 'bluebird';
import { Future } from '../src/future/future';
import { contenderMain } from './harness';

const LINKS = 1000;
const inc = (x: number): number => x + 1;

type Batch = () => number | Promise<number>;

const batches: Record<string, Batch> = {
  'future-attach': () => {
    const root = new Future<number>();
    let f: Future<number> = root;
    for (let i = 0; i < LINKS; i++) f = f.attach(inc);
    root.finish(0);
    return f.values![0] as number;
  },
  'future-then': () => {
    const root = new Future<number>();
    let f: Future<number> = root;
    for (let i = 0; i < LINKS; i++) f = f.then(inc);
    root.finish(0);
    return f.then((x) => x);
  },
  'promise-then': () => {
    let resolve!: (v: number) => void;
    const root = new Promise<number>((r) => (resolve = r));
    let p = root;
    for (let i = 0; i < LINKS; i++) p = p.then(inc);
    resolve(0);
    return p;
  },
  'bluebird-then': () => {
    let resolve!: (v: number) => void;
    const root = new Bluebird<number>((r) => (resolve = r));
    let p = root;
    for (let i = 0; i < LINKS; i++) p = p.then(inc);
    resolve(0);
    return p;
  },
};

async function measure(batch: Batch, ms: number): Promise<number> {
  let links = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    const r = batch();
    const v = typeof r === 'number' ? r : await r;
    if (v !== LINKS) throw new Error(`chain ended with ${v}`);
    links += LINKS;
    now = process.hrtime.bigint();
  }
  return links / (Number(now - start) / 1e9);
}

void contenderMain(
  Object.fromEntries(
    Object.entries(batches).map(([name, batch]) => [
      name,
      async (params: Record<string, unknown>) => {
        await measure(batch, Number(params.warmupMs)); // let the JIT settle
        return measure(batch, Number(params.measureMs));
      },
    ]),
  ),
);
