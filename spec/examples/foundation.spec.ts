/**
 * examples/timers.ts and examples/futures.ts: in-process (what they log) and as written
 * (a child process through ts-node, as a user runs them).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { main as futures } from '../../examples/futures';
import { main as timers } from '../../examples/timers';

const root = join(__dirname, '..', '..');

function runAsWritten(file: string): Promise<string> {
  const bin = require.resolve('ts-node/dist/bin.js');
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [bin, join('examples', file)], { cwd: root }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}

describe('examples/timers and examples/futures', () => {
  it('timers: delays, an interval removed after 3 ticks, a signal and a notifier, in time order', async () => {
    const lines: string[] = [];
    await timers((line) => lines.push(line.replace(/^\d+\.\d+s /, '')));
    // Timer order across different periods depends on load; the order within each kind does not.
    expect(lines[0]).to.equal('handles in the loop: 8');
    expect(lines.filter((l) => l.startsWith('tick') || l.startsWith('interval'))).to.deep.equal([
      'tick 1',
      'tick 2',
      'tick 3',
      'interval removed after 3 ticks',
    ]);
    expect(lines).to.include('delay fired');
    expect(lines.slice(-2)).to.deep.equal(['got signal 1', 'notifier ran']);
    expect(lines).to.have.length(8);
  });

  it('futures: attach with several values, alet in parallel, alet*, handler-case, catcher, values, await', async () => {
    const lines: string[] = [];
    await futures((line) => lines.push(line));
    expect(lines).to.deep.equal([
      'attach: user-7 (200)',
      'alet: user-1 and user-2 in parallel',
      'alet*: user-3 then user-6',
      'future-handler-case caught: no user 500',
      'catcher: fallback',
      'values: USER-9 6',
      'await: user-42',
    ]);
  });

  it('both run as written and end when their loop has nothing left', async () => {
    const [t, f] = await Promise.all([runAsWritten('timers.ts'), runAsWritten('futures.ts')]);
    expect(t).to.match(/interval removed after 3 ticks\n[\s\S]*loop finished: nothing left to do\n$/);
    expect(f).to.match(/await: user-42\nloop finished\n$/);
  });
});
