/**
 * Leak checks (DESIGN §10), measured in a child `node --expose-gc` running `bench/leaks.ts`:
 * after 20,000 HTTP requests and 20,000 TCP connections (`LEAK_COUNT` to change; the bench
 * defaults to 100,000), the heap after GC is within 5 % of its start, no socket or timer is
 * left, and every `stats()` counter is zero.
 */
import path from 'node:path';
import { expect } from 'chai';
import { Child } from './support/sockets';

const COUNT = String(Number(process.env.LEAK_COUNT ?? 20_000));

describe('leaks', () => {
  it(`${COUNT} HTTP requests and ${COUNT} TCP connections: heap back within 5 %, no handle left, counters at zero`, async function () {
    this.timeout(180_000);
    const script = path.join(__dirname, '../bench/leaks.ts');
    const child = new Child(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', script, '--requests', COUNT, '--connections', COUNT]);
    try {
      await child.wait();
      const report = JSON.parse(child.stdout.trim().split('\n').pop() ?? 'null') as {
        failures: number;
        growth: number;
        resources: string[];
        counters: Record<string, Record<string, number>>;
      } | null;
      expect(report, `bench/leaks.ts printed nothing: ${child.stderr}`).to.not.equal(null);
      const { failures, growth, resources, counters } = report!;
      expect(failures, 'failed requests or connections').to.equal(0);
      expect(growth, 'heap growth after GC').to.be.at.most(0.05);
      expect(resources, 'handles left').to.deep.equal([]);
      for (const [phase, values] of Object.entries(counters)) {
        for (const [name, value] of Object.entries(values)) expect(value, `${phase} ${name}`).to.equal(0);
      }
      expect(child.proc.exitCode).to.equal(0);
    } finally {
      await child.stop();
    }
  });
});
