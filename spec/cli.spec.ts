/**
 * The `cl-async` command as a user runs it: the built `dist/cli.js` in a child process,
 * against servers on loopback. The progress bar is checked on a real pseudo-terminal (`script`).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDnsServer, DnsServer } from './support/dns-server';
import { httpPeer, Peer, rawPeer } from './http/support';

const root = join(__dirname, '..');
const CLI = join(root, 'dist', 'cli.js');

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function cli(args: string[], options: { timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: root, encoding: 'buffer', timeout: options.timeoutMs ?? 20000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr: stderr.toString() });
      },
    );
  });
}

/** Run under a pseudo-terminal, so stderr is a TTY (util-linux `script`). */
function cliOnTty(args: string[]): Promise<Run> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qec', command, '/dev/null'], { cwd: root, encoding: 'buffer', timeout: 20000 }, (err, stdout) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr: '' });
    });
  });
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('cl-async command line', () => {
  const payload = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  let peer: Peer;
  let work: string;

  before(async function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
    work = mkdtempSync(join(tmpdir(), 'cl-async-cli-'));
    peer = await httpPeer((req, res) => {
      if (req.url === '/missing') return void res.writeHead(404).end('nope');
      if (req.url === '/moved') return void res.writeHead(302, { Location: '/small' }).end();
      if (req.url === '/echo') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => res.end(`${req.method} ${req.headers['x-test'] ?? ''} ${Buffer.concat(chunks).toString()}`));
        return;
      }
      if (req.url === '/small') return void res.end('small body\n');
      res.setHeader('Content-Length', String(payload.length));
      // Sent in pieces over ~0.3 s, so the progress bar has something to draw.
      let at = 0;
      const step = (): void => {
        res.write(payload.subarray(at, at + 256 * 1024));
        at += 256 * 1024;
        if (at < payload.length) setTimeout(step, 25);
        else res.end();
      };
      step();
    });
  });

  after(async () => {
    await peer.close();
    rmSync(work, { recursive: true, force: true });
  });

  describe('get', () => {
    it('streams a download to stdout, byte-exact', async () => {
      const run = await cli(['get', `${peer.url}/big`]);
      expect(run.code).to.equal(0);
      expect(sha256(run.stdout)).to.equal(sha256(payload));
      expect(run.stderr, 'no progress bar when stderr is not a terminal').to.equal('');
    });

    it('-o writes the file; -X, -H and -d shape the request; -L follows redirects', async () => {
      const file = join(work, 'out.bin');
      expect((await cli(['get', `${peer.url}/big`, '-o', file])).code).to.equal(0);
      expect(sha256(readFileSync(file))).to.equal(sha256(payload));

      const posted = await cli(['get', `${peer.url}/echo`, '-H', 'X-Test: yes', '-d', 'a=1']);
      expect(posted.stdout.toString()).to.equal('POST yes a=1');
      const put = await cli(['get', `${peer.url}/echo`, '-X', 'PUT', '-d', 'x']);
      expect(put.stdout.toString()).to.equal('PUT  x');

      const notFollowed = await cli(['get', `${peer.url}/moved`]);
      expect([notFollowed.code, notFollowed.stdout.length]).to.deep.equal([0, 0]);
      const followed = await cli(['get', '-L', `${peer.url}/moved`]);
      expect(followed.stdout.toString()).to.equal('small body\n');
    });

    it('draws a progress bar with bytes, rate and ETA only on a terminal', async () => {
      const file = join(work, 'tty.bin');
      const run = await cliOnTty(['get', `${peer.url}/big`, '-o', file]);
      expect(run.code).to.equal(0);
      const screen = run.stdout.toString();
      expect(screen).to.match(/100% \| 3\.0 MiB of 3\.0 MiB \| [\d.]+ [KMG]?i?B\/s \| ETA/);
      expect(sha256(readFileSync(file))).to.equal(sha256(payload));
    });

    it('HTTP status >= 400: exit 22 and one line naming the status', async () => {
      const run = await cli(['get', `${peer.url}/missing`]);
      expect(run.code).to.equal(22);
      expect(run.stderr).to.equal(`cl-async: ${peer.url}/missing: HTTP 404 Not Found\n`);
      expect(run.stdout.length).to.equal(0);
    });

    it('connection refused: exit 7', async () => {
      const closed = await rawPeer(() => {});
      const url = closed.url;
      await closed.close();
      const run = await cli(['get', url]);
      expect(run.code).to.equal(7);
      expect(run.stderr).to.equal(`cl-async: connection refused: ${new URL(url).host}\n`);
    });

    it('timeout: exit 28', async () => {
      const silent = await rawPeer(() => {});
      try {
        const run = await cli(['get', silent.url, '--timeout', '0.3']);
        expect(run.code).to.equal(28);
        expect(run.stderr).to.match(/^cl-async: timed out: .*TIMEOUT\)\n$/);
      } finally {
        await silent.close();
      }
    });

    it('bad HTTP response: exit 8 with the parser’s rule', async () => {
      const garbage = await rawPeer((socket) => socket.end('SMTP ready\r\n\r\n'));
      try {
        const run = await cli(['get', garbage.url]);
        expect(run.code).to.equal(8);
        expect(run.stderr).to.match(/^cl-async: bad HTTP response: .*\(HPE_[A-Z_]+\)\n$/);
      } finally {
        await garbage.close();
      }
    });

    it('response cut short: exit 18', async () => {
      const short = await rawPeer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'));
      try {
        const run = await cli(['get', short.url]);
        expect(run.code).to.equal(18);
        expect(run.stderr).to.match(/^cl-async: connection closed before the response was complete/);
      } finally {
        await short.close();
      }
    });

    it('TLS: an unverifiable certificate is exit 35; --insecure downloads', async () => {
      const tls = join(__dirname, 'fixtures', 'tls');
      const server = https.createServer({ cert: readFileSync(join(tls, 'self-signed.pem')), key: readFileSync(join(tls, 'self-signed-key.pem')) }, (req, res) =>
        res.end('secret\n'),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
      try {
        const refused = await cli(['get', url]);
        expect(refused.code).to.equal(35);
        expect(refused.stderr).to.match(/^cl-async: TLS error: .*\((DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID|SELF_SIGNED_CERT_IN_CHAIN)\)\n$/);
        const insecure = await cli(['get', '-k', url]);
        expect([insecure.code, insecure.stdout.toString()]).to.deep.equal([0, 'secret\n']);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('a name that does not resolve: exit 6', async () => {
      const dns = await startDnsServer({ hosts: {} });
      try {
        const run = await cli(['get', 'http://nowhere.test/', '--dns-server', dns.address]);
        expect(run.code).to.equal(6);
        expect(run.stderr).to.equal('cl-async: could not resolve host: nowhere.test (ENOTFOUND)\n');
      } finally {
        await dns.close();
      }
    });

    it('usage errors: exit 2 with the usage', async () => {
      const missing = await cli(['get']);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.equal('cl-async: missing URL\n');
      const unknown = await cli(['get', '--frobnicate', 'x']);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.contain("Unknown option '--frobnicate'").and.contain('cl-async get URL [options]');
      const bogus = await cli(['bogus']);
      expect(bogus.code).to.equal(2);
      expect(bogus.stderr).to.match(/unknown command "bogus"/);
    });
  });

  it('--help for the command and each subcommand', async () => {
    const top = await cli(['--help']);
    expect([top.code, top.stdout.toString()]).to.satisfy(([code, out]: [number, string]) => code === 0 && out.startsWith('usage: cl-async'));
    for (const command of ['get', 'echo-server', 'proxy', 'lookup']) {
      const run = await cli([command, '--help']);
      expect(run.code, command).to.equal(0);
      expect(run.stdout.toString(), command).to.match(new RegExp(`^cl-async ${command}`));
    }
  });

  it('lookup: localhost and a literal IP; a name our DNS server does not know is exit 6', async () => {
    const local = await cli(['lookup', 'localhost']);
    expect([local.code, local.stdout.toString()]).to.deep.equal([0, 'localhost resolved to 127.0.0.1 (IPv4)\n']);
    const literal = await cli(['lookup', '::1', '--family', '6']);
    expect(literal.stdout.toString()).to.equal('::1 resolved to ::1 (IPv6)\n');
    let dns: DnsServer | undefined;
    try {
      dns = await startDnsServer({ hosts: { 'known.test': ['10.1.2.3'] } });
      const known = await cli(['lookup', 'known.test', '--dns-server', dns.address]);
      expect(known.stdout.toString()).to.equal('known.test resolved to 10.1.2.3 (IPv4)\n');
      const unknown = await cli(['lookup', 'unknown.test', '--dns-server', dns.address]);
      expect(unknown.code).to.equal(6);
      expect(unknown.stderr).to.equal('cl-async: could not resolve host: unknown.test (ENOTFOUND)\n');
    } finally {
      await dns?.close();
    }
  });

  describe('servers', () => {
    function startServer(args: string[]): Promise<{ port: number; stop(): Promise<Run> }> {
      return new Promise((resolve, reject) => {
        const child = execFile(process.execPath, [CLI, ...args], { cwd: root });
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on [\d.]+:(\d+)/.exec(out);
          if (m) {
            resolve({
              port: Number(m[1]),
              stop: () =>
                new Promise((done) => {
                  child.on('exit', (code) => done({ code, stdout: Buffer.from(out), stderr: '' }));
                  child.kill('SIGINT');
                }),
            });
          }
        });
        child.on('error', reject);
        child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
      });
    }

    function roundTrip(port: number, text: string): Promise<string> {
      return new Promise((resolve, reject) => {
        let got = '';
        const c = net.connect(port, '127.0.0.1', () => c.write(text));
        c.on('data', (d) => {
          got += d.toString();
          if (got.length >= text.length) c.end();
        });
        c.on('close', () => resolve(got));
        c.on('error', reject);
      });
    }

    it('echo-server echoes, and Ctrl-C stops it with exit 0', async () => {
      const server = await startServer(['echo-server', '--port', '0']);
      expect(await roundTrip(server.port, 'ping')).to.equal('ping');
      expect((await server.stop()).code).to.equal(0);
    });

    it('proxy forwards both ways to the target', async () => {
      const echo = await startServer(['echo-server', '--port', '0']);
      const proxy = await startServer(['proxy', '0', '127.0.0.1', String(echo.port)]);
      const big = 'x'.repeat(200000);
      expect(await roundTrip(proxy.port, big)).to.equal(big);
      expect((await proxy.stop()).code).to.equal(0);
      expect((await echo.stop()).code).to.equal(0);
    });
  });
});
