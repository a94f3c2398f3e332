/**
 * End to end against Python's `http.server`, a server nobody here wrote: HTTP/1.0 responses
 * and a connection closed after each one, so every request needs a new connection and a
 * closed one must never be reused.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { headerValue, HeaderList } from '../../src/http/headers';
import { inLoopAsync, request } from '../http/support';
import { sha256 } from '../support/sockets';
import { PythonHttp, startPythonHttp, UNTIL_CLOSE_PIECES } from '../support/python-http';

describe("e2e: httpRequest against Python's http.server", function () {
  this.timeout(60_000);

  const hello = 'Hello from Python: héllo\n';
  const data = randomBytes(300 * 1024);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cl-async-python-'));
    writeFileSync(join(dir, 'hello.txt'), hello);
    writeFileSync(join(dir, 'data.bin'), data);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'inner.txt'), 'inner\n');
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('python3 -m http.server', () => {
    let server: PythonHttp;
    before(async () => {
      server = await startPythonHttp(dir);
    });
    after(async () => {
      await server?.stop();
    });

    it('GET of the directory listing: an HTTP/1.0 response, mustClose true', async () => {
      const [body, status, headers, uri, , mustClose, reason] = await inLoopAsync(() => request(`${server.url}/`));
      expect(status).to.equal(200);
      expect(reason).to.equal('OK');
      expect(mustClose).to.equal(true);
      expect((uri as URL).href).to.equal(`${server.url}/`);
      expect(headerValue('content-type', headers as HeaderList)).to.match(/^text\/html; ?charset=utf-8$/);
      expect(body).to.be.a('string');
      for (const name of ['hello.txt', 'data.bin', 'sub/']) expect(body).to.contain(`href="${name}"`);
    });

    it('GET of files: text decoded, binary byte-exact', async () => {
      const [[text, textStatus, , , , textCloses], [bin, , binHeaders]] = await inLoopAsync(async () => [
        await request(`${server.url}/hello.txt`),
        await request(`${server.url}/data.bin`),
      ]);
      expect(textStatus).to.equal(200);
      expect(textCloses).to.equal(true);
      expect(text).to.equal(hello);
      expect(headerValue('content-type', binHeaders as HeaderList)).to.equal('application/octet-stream');
      expect(sha256(bin as Buffer)).to.equal(sha256(data));
    });

    it('a directory without its slash redirects (301) and is followed on a new connection', async () => {
      const [body, status, , uri] = await inLoopAsync(() => request(`${server.url}/sub`));
      expect(status).to.equal(200);
      expect((uri as URL).href).to.equal(`${server.url}/sub/`);
      expect(body).to.contain('href="inner.txt"');
    });

    it('404 with its body', async () => {
      const [body, status, headers, , , mustClose, reason] = await inLoopAsync(() => request(`${server.url}/missing.txt`));
      expect(status).to.equal(404);
      expect(reason).to.equal('File not found');
      expect(mustClose).to.equal(true);
      expect(headerValue('connection', headers as HeaderList)).to.equal('close');
      expect(body).to.be.a('string').that.contains('Error code: 404');
    });

    it('HEAD: the headers (with Content-Length), no body, no hang', async () => {
      const [body, status, headers, , , mustClose] = await inLoopAsync(() =>
        request(`${server.url}/data.bin`, { method: 'HEAD', readTimeout: 5 }),
      );
      expect(status).to.equal(200);
      expect(body).to.equal(null);
      expect(mustClose).to.equal(true);
      expect(headerValue('content-length', headers as HeaderList)).to.equal(String(data.length));
    });

    it('several requests in a row in one loop: each on a new socket, no spurious HttpEof', async () => {
      const results = await inLoopAsync(async () => {
        const out: unknown[][] = [];
        for (let i = 0; i < 6; i++) {
          out.push(await request(`${server.url}/${i % 2 === 0 ? 'hello.txt' : 'data.bin'}`, { method: i === 4 ? 'HEAD' : 'GET' }));
        }
        return out;
      });
      expect(results.map((r) => r[1])).to.deep.equal([200, 200, 200, 200, 200, 200]);
      expect(results.map((r) => r[5])).to.deep.equal([true, true, true, true, true, true]);
      expect(new Set(results.map((r) => r[4])).size).to.equal(6);
      expect(results[0][0]).to.equal(hello);
      expect(sha256(results[3][0] as Buffer)).to.equal(sha256(data));
      expect(results[4][0]).to.equal(null);
    });

    it('20 requests at once with maxConnections: 4: each closed connection is replaced', async () => {
      // (Python listens with a backlog of 5: more connections at once would wait for SYN retries.)
      const results = await inLoopAsync(() =>
        Promise.all(Array.from({ length: 20 }, (_, i) => request(`${server.url}/${i % 2 ? 'data.bin' : 'hello.txt'}`, { maxConnections: 4 }))),
      );
      results.forEach(([body, status, , , , mustClose], i) => {
        expect([status, mustClose]).to.deep.equal([200, true]);
        if (i % 2) expect(sha256(body as Buffer)).to.equal(sha256(data));
        else expect(body).to.equal(hello);
      });
      expect(new Set(results.map((r) => r[4])).size).to.equal(20);
    });

    it('a POST it does not support: 501 and its body', async () => {
      const [body, status] = await inLoopAsync(() => request(`${server.url}/hello.txt`, { method: 'POST', content: 'a=1' }));
      expect(status).to.equal(501);
      expect(body).to.be.a('string').that.contains('Unsupported method');
    });
  });

  describe("http.server's handler, logging client ports", () => {
    let server: PythonHttp;
    before(async () => {
      server = await startPythonHttp(dir, { mode: 'ports' });
    });
    after(async () => {
      await server?.stop();
    });

    it('a body without a length is read until the close', async () => {
      const [body, status, headers, , , mustClose] = await inLoopAsync(() => request(`${server.url}/until-close`));
      expect(status).to.equal(200);
      expect(mustClose).to.equal(true);
      expect(headerValue('content-length', headers as HeaderList)).to.equal(undefined);
      expect(headerValue('transfer-encoding', headers as HeaderList)).to.equal(undefined);
      expect(body).to.equal(UNTIL_CLOSE_PIECES.join(''));
    });

    it('the same with wantStream', async () => {
      const text = await inLoopAsync(async () => {
        const [body] = await request(`${server.url}/until-close`, { wantStream: true });
        let out = '';
        for await (const chunk of body as Readable) out += chunk;
        return out;
      });
      expect(text).to.equal(UNTIL_CLOSE_PIECES.join(''));
    });

    it('the server sees a new connection (client port) for each request', async () => {
      const marker = `seq${Date.now()}`;
      await inLoopAsync(async () => {
        for (let i = 0; i < 5; i++) await request(`${server.url}/hello.txt?${marker}=${i}`);
      });
      const lines = await server.waitForLog(new RegExp(`${marker}=`), 5);
      expect(lines).to.have.length(5);
      expect(new Set(lines.map((line) => line.split(' ')[0])).size).to.equal(5);
    });
  });

  describe("http.server's handler speaking HTTP/1.1", () => {
    let server: PythonHttp;
    before(async () => {
      server = await startPythonHttp(dir, { mode: 'ports', protocol: 'HTTP/1.1' });
    });
    after(async () => {
      await server?.stop();
    });

    it('keeps the connection: sequential requests share one client port', async () => {
      const marker = `ka${Date.now()}`;
      const results = await inLoopAsync(async () => {
        const out: unknown[][] = [];
        for (let i = 0; i < 4; i++) out.push(await request(`${server.url}/data.bin?${marker}=${i}`));
        return out;
      });
      for (const [body, status, , , , mustClose] of results) {
        expect(status).to.equal(200);
        expect(mustClose).to.equal(false);
        expect(sha256(body as Buffer)).to.equal(sha256(data));
      }
      const lines = await server.waitForLog(new RegExp(`${marker}=`), 4);
      expect(new Set(lines.map((line) => line.split(' ')[0])).size).to.equal(1);
    });

    it('HEAD keeps the connection; a 404 with Connection: close does not', async () => {
      const marker = `hd${Date.now()}`;
      const results = await inLoopAsync(async () => [
        await request(`${server.url}/data.bin?${marker}=0`, { method: 'HEAD' }),
        await request(`${server.url}/hello.txt?${marker}=1`),
        await request(`${server.url}/missing?${marker}=2`),
        await request(`${server.url}/hello.txt?${marker}=3`),
      ]);
      expect(results.map((r) => [r[0] === null, r[1], r[5]])).to.deep.equal([
        [true, 200, false],
        [false, 200, false],
        [false, 404, true],
        [false, 200, false],
      ]);
      const lines = await server.waitForLog(new RegExp(`${marker}=`), 4);
      const ports = lines.map((line) => line.split(' ')[0]);
      expect(ports[1]).to.equal(ports[0]);
      expect(ports[2]).to.equal(ports[0]);
      expect(ports[3]).to.not.equal(ports[0]);
    });
  });
});
