import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { spawnExample } from '../../examples/spawn';

const root = path.resolve(__dirname, '../..');

describe('examples/spawn', () => {
  it('sends the lines through cat and reports a clean exit', async () => {
    const lines: string[] = [];
    await spawnExample(['one', 'two words', ''], { log: (line) => lines.push(line) });
    expect(lines.slice(0, -1)).to.deep.equal(['cat: one', 'cat: two words', 'cat: ', 'cat: (the end)']);
    expect(lines[lines.length - 1]).to.match(/^cat \(pid \d+\) exited: status 0, signal 0$/);
  });

  it('runs as written with ts-node', async () => {
    const bin = require.resolve('ts-node/dist/bin.js');
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [bin, 'examples/spawn.ts'], { cwd: root }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, -1)).to.deep.equal(['cat: hello', 'cat: from', 'cat: cat', 'cat: (the end)']);
    expect(lines[lines.length - 1]).to.match(/^cat \(pid \d+\) exited: status 0, signal 0$/);
  });
});
