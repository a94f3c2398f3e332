import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpStreamExample } from '../../examples/http-stream';

const root = path.resolve(__dirname, '../..');

describe('examples/http-stream', () => {
  it('streams a download from a built-in httpServer to a file, intact, with progress lines', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cl-async-spec-'));
    try {
      const file = path.join(dir, 'out.bin');
      const progress: string[] = [];
      const log: string[] = [];
      const result = await httpStreamExample({ size: 3 * 1024 * 1024 + 5, file, progress: (l) => progress.push(l), log: (l) => log.push(l) });
      expect(result.status).to.equal(200);
      expect(result.intact).to.equal(true);
      expect(result.bytes).to.equal(3 * 1024 * 1024 + 5);
      expect(statSync(file).size).to.equal(result.bytes);
      expect(progress[progress.length - 1]).to.equal('3.0 MiB / 3.0 MiB  100%');
      expect(progress.length).to.be.greaterThan(10);
      expect(log[log.length - 1]).to.match(/^200: saved 3\.0 MiB to .*out\.bin \(checksum ok; peak RSS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('removes its temporary file unless asked to keep it', async () => {
    const result = await httpStreamExample({ size: 1000, progress: () => {}, log: () => {} });
    expect(result.intact).to.equal(true);
    expect(existsSync(result.file)).to.equal(false);
  });

  it('runs as written with ts-node', async () => {
    const bin = require.resolve('ts-node/dist/bin.js');
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(process.execPath, [bin, 'examples/http-stream.ts'], { cwd: root }, (err, out, errOut) =>
        err ? reject(err) : resolve({ stdout: out, stderr: errOut }),
      ),
    );
    expect(stdout).to.match(/^GET http:\/\/127\.0\.0\.1:\d+\/download\.bin\n/);
    expect(stdout).to.match(/200: saved 16\.0 MiB to .* \(checksum ok; peak RSS [\d.]+ MiB\)\n$/);
    // stderr is not a terminal here: a progress line every 25%.
    expect(stderr.split('\n').filter((l) => l.includes('%'))).to.include('16.0 MiB / 16.0 MiB  100%');
  }).timeout(120000);
});
