import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { drakmaExample } from '../../examples/drakma';

const root = path.resolve(__dirname, '../..');

const EXPECTED = [
  'GET /            → 200 OK, text/html; charset=utf-8, must-close false: <h1>Hello from cl-async</h1>',
  'POST /form       → POST application/x-www-form-urlencoded: name=Lisp, lang=Common Lisp',
  'cookies          → jar holds session=s3cr3t; /whoami says "session s3cr3t"',
  'GET /old         → 200 "the new place" from /new',
  'GET /old :redirect nil → 302, Location: /new',
  'GET /numbers :want-stream t → 200, streamed "1 2 3 4 5"',
  'GET /secret      → 401 "who are you?"; with :basic-authorization → 200 "the secret is 42"',
];

describe('examples/drakma', () => {
  it('runs the Drakma-style calls against a built-in httpServer', async () => {
    const lines: string[] = [];
    await drakmaExample((line) => lines.push(line));
    expect(lines).to.deep.equal(EXPECTED);
  });

  it('runs as written with ts-node', async () => {
    const bin = require.resolve('ts-node/dist/bin.js');
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [bin, 'examples/drakma.ts'], { cwd: root }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    expect(stdout.trim().split('\n')).to.deep.equal(EXPECTED);
  }).timeout(120000);
});
