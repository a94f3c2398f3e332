/** `npm start`'s demo: what it shows, and that it runs as written and ends by itself. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../examples/demo';

describe('examples/demo (npm start)', () => {
  it('shows the echo round trip, alet, a full streamed download and the stats', async () => {
    const lines: string[] = [];
    await main((line) => lines.push(line));
    expect(lines).to.include('   the server echoed "hello, loop"');
    expect(lines.some((l) => /^ {3}andrew has 42 posts \(both in \d+ ms, not 200\)$/.test(l))).to.equal(true);
    expect(lines).to.include('   attach got ("lisp", 66)');
    expect(lines).to.include('   100% (8388608 bytes)');
    expect(lines[lines.length - 1]).to.match(/^4\. stats: \d+ outgoing and \d+ incoming TCP, 1 pooled HTTP connection\(s\), \d+ live handles$/);
  });

  it('runs as `npm start` runs it, and exits by itself', async () => {
    const root = join(__dirname, '..', '..');
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [require.resolve('ts-node/dist/bin.js'), 'examples/demo.ts'], { cwd: root, timeout: 60000 }, (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    );
    expect(stdout).to.match(/^1\. echo server and client/);
    expect(stdout).to.match(/the loop has nothing left to do: done\n$/);
  });
});
