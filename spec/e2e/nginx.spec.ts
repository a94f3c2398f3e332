/**
 * End to end against a real nginx (Debian's build), a server nobody here wrote: static files,
 * gzip, HEAD, redirects, 404, keep-alive as nginx itself logs it, Range, uploads (WebDAV PUT)
 * and concurrency. nginx is required: without it these tests fail, they never skip.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { HttpError } from '../../src/errors';
import { AsyncSocket } from '../../src/socket';
import { headerValue, HeaderList } from '../../src/http/headers';
import { CookieJar } from '../../src/http/cookies';
import { inLoopAsync, request } from '../http/support';
import { sha256 } from '../support/sockets';
import { AccessEntry, BASIC_PASSWORD, BASIC_USER, Nginx, parseEcho, startNginx } from '../support/nginx';

describe('e2e: httpRequest against nginx', function () {
  this.timeout(60_000);

  const big = randomBytes(5 * 1024 * 1024);
  const small = 'Hello from nginx: héllo wörld\nsecond line\n';
  const text = Array.from({ length: 4000 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`).join('');
  let nginx: Nginx;
  let tagCount = 0;
  /** A query string no other test uses, to find this test's lines in the access log. */
  const tag = (): string => `t=${++tagCount}-${Date.now()}`;
  const tagged = (t: string) => (e: AccessEntry) => e.uri.endsWith(t);

  before(async () => {
    nginx = await startNginx({ 'empty.txt': '', 'small.txt': small, 'big.bin': big, 'text.txt': text });
  });

  after(async () => {
    await nginx?.stop();
  });

  describe('what nginx receives (GET /echo)', () => {
    it('the default header fields; no Connection header, no Accept-Encoding', async () => {
      const [body] = await inLoopAsync(() => request(`${nginx.url}/echo`));
      const echo = parseEcho(body);
      expect(echo).to.include({ method: 'GET', uri: '/echo', host: `127.0.0.1:${nginx.port}`, ua: 'cl-async (Node.js)', accept: '*/*' });
      expect(echo).to.include({ connection: '', ae: '', range: '', auth: '', cookie: '', clen: '', te: '' });
    });

    it('parameters go into the query; userAgent, accept, range and additionalHeaders are sent', async () => {
      const [body] = await inLoopAsync(() =>
        request(`${nginx.url}/echo`, {
          parameters: [
            ['q', 'a b&c'],
            ['é', '1'],
          ],
          userAgent: 'e2e-agent/1.0',
          accept: 'text/plain',
          range: [5, 10],
          additionalHeaders: { 'X-Custom': 'custom value' },
        }),
      );
      const echo = parseEcho(body);
      expect(echo.method).to.equal('GET');
      expect(new URLSearchParams(echo.args).get('q')).to.equal('a b&c');
      expect(new URLSearchParams(echo.args).get('é')).to.equal('1');
      expect(echo).to.include({ ua: 'e2e-agent/1.0', accept: 'text/plain', range: 'bytes=5-10', custom: 'custom value' });
    });

    it('preserveUri sends the path as written; without it the URL is normalised', async () => {
      const t = tag();
      await inLoopAsync(async () => {
        await request(`${nginx.url}/a/../echo?${t}&x='y'`, { preserveUri: true });
        await request(`${nginx.url}/a/../echo?${t}&x='y'`);
      });
      const entries = await nginx.waitForLog((e) => e.uri.includes(t), 2);
      expect(entries.map((e) => e.uri)).to.deep.equal([`/a/../echo?${t}&x='y'`, `/echo?${t}&x=%27y%27`]);
    });

    it('a POST of parameters: a urlencoded body with its Content-Length', async () => {
      const [body] = await inLoopAsync(() => request(`${nginx.url}/echo`, { method: 'POST', parameters: { a: '1', b: 'x y' } }));
      expect(parseEcho(body)).to.include({ method: 'POST', ctype: 'application/x-www-form-urlencoded', clen: String('a=1&b=x+y'.length) });
    });

    it('basicAuthorization against auth_basic: 401 without it, 200 with it', async () => {
      const [[, denied], [body, allowed]] = await inLoopAsync(async () => [
        await request(`${nginx.url}/private/small.txt`),
        await request(`${nginx.url}/private/small.txt`, { basicAuthorization: [BASIC_USER, BASIC_PASSWORD] }),
      ]);
      expect(denied).to.equal(401);
      expect(allowed).to.equal(200);
      expect(body).to.equal(small);
    });

    it('a CookieJar keeps what nginx sets and sends it back, by path', async () => {
      const jar = new CookieJar();
      const [[, setStatus], [plain], [privateEcho]] = await inLoopAsync(async () => [
        await request(`${nginx.url}/set-cookie`, { cookieJar: jar }),
        await request(`${nginx.url}/echo`, { cookieJar: jar }),
        await request(`${nginx.url}/private/echo`, { cookieJar: jar }),
      ]);
      expect(setStatus).to.equal(200);
      expect(parseEcho(plain).cookie).to.equal('session=abc123');
      // The cookie with Path=/private/ goes only there, first (the longer path).
      expect(parseEcho(privateEcho).cookie).to.equal('theme=dark; session=abc123');
    });
  });

  describe('redirect rules, as nginx sees the redirected request', () => {
    it('autoReferer sends the redirecting URL as Referer', async () => {
      const [body, status, , uri] = await inLoopAsync(() => request(`${nginx.url}/to-echo`, { autoReferer: true }));
      expect(status).to.equal(200);
      expect((uri as URL).pathname).to.equal('/echo');
      expect(parseEcho(body).referer).to.equal(`${nginx.url}/to-echo`);
    });

    it('303 turns a POST into a GET without a body; 307 and 308 send the POST and its body again', async () => {
      const post = { method: 'POST', content: 'k=v&w=x', contentType: 'application/x-www-form-urlencoded' };
      const [seeOther, temporary, permanent] = await inLoopAsync(async () => [
        (await request(`${nginx.url}/see-other`, post))[0],
        (await request(`${nginx.url}/temporary`, post))[0],
        (await request(`${nginx.url}/permanent`, post))[0],
      ]);
      expect(parseEcho(seeOther)).to.include({ method: 'GET', clen: '', ctype: '' });
      expect(parseEcho(temporary)).to.include({ method: 'POST', clen: '7', ctype: 'application/x-www-form-urlencoded' });
      expect(parseEcho(permanent)).to.include({ method: 'POST', clen: '7' });
    });

    it('a 307 after a streamed (unreplayable) body is returned, not followed', async () => {
      const [, status, headers] = await inLoopAsync(() =>
        request(`${nginx.url}/temporary`, { method: 'POST', content: Readable.from([Buffer.from('streamed')]) }),
      );
      expect(status).to.equal(307);
      expect(headerValue('location', headers as HeaderList)).to.equal(`${nginx.url}/echo`);
    });

    it('Authorization and Cookie are not carried to another origin (another port)', async () => {
      const jar = new CookieJar();
      const [[sameOrigin], [otherOrigin, , , uri]] = await inLoopAsync(async () => {
        await request(`${nginx.url}/set-cookie`, { cookieJar: jar });
        return [
          await request(`${nginx.url}/to-echo`, { basicAuthorization: ['u', 'p'], cookieJar: jar, additionalHeaders: { 'X-Custom': 'kept' } }),
          await request(`${nginx.url}/to-other`, { basicAuthorization: ['u', 'p'], cookieJar: jar, additionalHeaders: { 'X-Custom': 'kept' } }),
        ];
      });
      expect(parseEcho(sameOrigin)).to.include({ auth: `Basic ${Buffer.from('u:p').toString('base64')}`, cookie: 'session=abc123', custom: 'kept' });
      expect((uri as URL).href).to.equal(`${nginx.otherUrl}/echo`);
      expect(parseEcho(otherOrigin)).to.include({ auth: '', host: new URL(nginx.otherUrl).host, custom: 'kept' });
      // Cookies for 127.0.0.1 go to any port of it (RFC 6265 ignores ports).
      expect(parseEcho(otherOrigin).cookie).to.equal('session=abc123');
    });
  });

  describe('through nginx as an HTTP proxy', () => {
    it('sends the absolute-form target and Proxy-Authorization to the proxy; the answer comes back', async () => {
      const [[echoBody, status], [bin]] = await inLoopAsync(async () => [
        await request(`${nginx.url}/echo?via=proxy`, { proxy: ['127.0.0.1', nginx.proxyPort], proxyBasicAuthorization: ['pu', 'pp'] }),
        await request(`${nginx.url}/big.bin?via=proxy`, { proxy: `127.0.0.1:${nginx.proxyPort}` }),
      ]);
      expect(status).to.equal(200);
      const echo = parseEcho(echoBody);
      expect(echo).to.include({ uri: '/echo?via=proxy', host: `127.0.0.1:${nginx.port}` });
      expect(echo.proxyauth).to.equal(`Basic ${Buffer.from('pu:pp').toString('base64')}`);
      expect(sha256(bin as Buffer)).to.equal(sha256(big));
      // nginx logs a request once its answer is out: give it a moment.
      let lines = nginx.proxyLog();
      for (let i = 0; i < 100 && lines.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 20));
        lines = nginx.proxyLog();
      }
      expect(lines).to.include(`GET ${nginx.url}/echo?via=proxy HTTP/1.1`);
      expect(lines).to.include(`GET ${nginx.url}/big.bin?via=proxy HTTP/1.1`);
    });
  });

  describe('static files, byte-exact', () => {
    it('a 0-byte file: status 200, Content-Length 0, no body', async () => {
      const [body, status, headers, uri, , mustClose, reason] = await inLoopAsync(() => request(`${nginx.url}/empty.txt`));
      expect(status).to.equal(200);
      expect(reason).to.equal('OK');
      expect(body).to.equal(null);
      expect(headerValue('content-length', headers as HeaderList)).to.equal('0');
      expect((uri as URL).href).to.equal(`${nginx.url}/empty.txt`);
      expect(mustClose).to.equal(false);
    });

    it('a small text file as a string (UTF-8), and its bytes with forceBinary', async () => {
      const [body, , headers] = await inLoopAsync(() => request(`${nginx.url}/small.txt`));
      // nginx names no charset: text is read as UTF-8.
      expect(headerValue('content-type', headers as HeaderList)).to.equal('text/plain');
      expect(body).to.equal(small);
      const [bytes] = await inLoopAsync(() => request(`${nginx.url}/small.txt`, { forceBinary: true }));
      expect(Buffer.isBuffer(bytes)).to.equal(true);
      expect(sha256(bytes as Buffer)).to.equal(sha256(Buffer.from(small)));
    });

    it('a 5 MB binary file, by SHA-256', async () => {
      const [body, status, headers] = await inLoopAsync(() => request(`${nginx.url}/big.bin`));
      expect(status).to.equal(200);
      expect(headerValue('content-type', headers as HeaderList)).to.equal('application/octet-stream');
      expect(Buffer.isBuffer(body)).to.equal(true);
      expect((body as Buffer).length).to.equal(big.length);
      expect(sha256(body as Buffer)).to.equal(sha256(big));
    });
  });

  describe('gzip', () => {
    it('decodeContent: true against gzip on: the text decoded, equal to the file', async () => {
      const t = tag();
      const [body, status, headers] = await inLoopAsync(() => request(`${nginx.url}/text.txt?${t}`, { decodeContent: true }));
      expect(status).to.equal(200);
      expect(headerValue('content-encoding', headers as HeaderList)).to.equal('gzip');
      // nginx gzips on the fly: no Content-Length, the body comes chunked.
      expect(headerValue('transfer-encoding', headers as HeaderList)).to.equal('chunked');
      expect(body).to.equal(text);
      const [entry] = await nginx.waitForLog(tagged(t), 1);
      expect(entry.bodyBytes).to.be.below(text.length / 5);
    });

    it('decodeContent with wantStream streams the decoded text', async () => {
      const streamed = await inLoopAsync(async () => {
        const [body] = await request(`${nginx.url}/text.txt`, { decodeContent: true, wantStream: true });
        let out = '';
        for await (const chunk of body as Readable) out += chunk;
        return out;
      });
      expect(streamed).to.equal(text);
    });

    it('without decodeContent nothing is asked for and the text comes as it is', async () => {
      const [body, , headers] = await inLoopAsync(() => request(`${nginx.url}/text.txt`));
      expect(headerValue('content-encoding', headers as HeaderList)).to.equal(undefined);
      expect(body).to.equal(text);
    });
  });

  describe('HEAD', () => {
    it('has no body, does not hang, and the connection is reused after it', async () => {
      const t = tag();
      const [[headBody, headStatus, headHeaders], [getBody]] = await inLoopAsync(async () => {
        const head = await request(`${nginx.url}/big.bin?${t}`, { method: 'HEAD', readTimeout: 5 });
        const get = await request(`${nginx.url}/small.txt?${t}`, { forceBinary: true });
        return [head, get];
      });
      expect(headStatus).to.equal(200);
      expect(headBody).to.equal(null);
      expect(headerValue('content-length', headHeaders as HeaderList)).to.equal(String(big.length));
      expect((getBody as Buffer).equals(Buffer.from(small))).to.equal(true);
      const entries = await nginx.waitForLog(tagged(t), 2);
      expect(entries.map((e) => e.method)).to.deep.equal(['HEAD', 'GET']);
      expect(entries[1].connection).to.equal(entries[0].connection);
      expect(entries.map((e) => e.connectionRequests)).to.deep.equal([1, 2]);
    });
  });

  describe('redirects', () => {
    it('follows `return 301 /target;` (a relative Location) to the file', async () => {
      const [body, status, , uri] = await inLoopAsync(() => request(`${nginx.url}/moved`, { forceBinary: true }));
      expect(status).to.equal(200);
      expect((uri as URL).href).to.equal(`${nginx.url}/small.txt`);
      expect((body as Buffer).equals(Buffer.from(small))).to.equal(true);
    });

    it('follows a 302 to an absolute http://127.0.0.1:<port>/… Location, on the same connection', async () => {
      const before = nginx.accessLog().length;
      const [body, status, , uri] = await inLoopAsync(() => request(`${nginx.url}/found`, { forceBinary: true }));
      expect(status).to.equal(200);
      expect((uri as URL).href).to.equal(`${nginx.url}/small.txt?from=found`);
      expect((body as Buffer).equals(Buffer.from(small))).to.equal(true);
      const entries = (await nginx.waitForLog(() => true, before + 2)).slice(before);
      expect(entries.map((e) => [e.uri, e.status])).to.deep.equal([
        ['/found', 302],
        ['/small.txt?from=found', 200],
      ]);
      expect(entries[1].connection).to.equal(entries[0].connection);
    });

    it('a POST answered by 302 is followed with a GET', async () => {
      const [, status, , uri] = await inLoopAsync(() => request(`${nginx.url}/found`, { method: 'POST', content: 'a=1' }));
      expect(status).to.equal(200);
      expect((uri as URL).pathname).to.equal('/small.txt');
    });

    it('redirect: false returns the 301 itself, with its Location and body', async () => {
      const [body, status, headers, uri, , , reason] = await inLoopAsync(() => request(`${nginx.url}/moved`, { redirect: false }));
      expect(status).to.equal(301);
      expect(reason).to.equal('Moved Permanently');
      expect(headerValue('location', headers as HeaderList)).to.equal(`${nginx.url}/small.txt`);
      expect((uri as URL).href).to.equal(`${nginx.url}/moved`);
      expect(body).to.be.a('string').that.contains('301 Moved Permanently');
    });

    it('a redirect loop stops at the limit and returns the last 302', async () => {
      const before = nginx.accessLog().length;
      const [, status] = await inLoopAsync(() => request(`${nginx.url}/loop`, { redirect: 3 }));
      expect(status).to.equal(302);
      const entries = (await nginx.waitForLog(() => true, before + 4)).slice(before);
      expect(entries.map((e) => e.uri)).to.deep.equal(['/loop', '/loop', '/loop', '/loop']);
    });
  });

  it('404 with its body (nginx error page)', async () => {
    const [body, status, headers, , , , reason] = await inLoopAsync(() => request(`${nginx.url}/missing.txt`));
    expect(status).to.equal(404);
    expect(reason).to.equal('Not Found');
    expect(headerValue('content-type', headers as HeaderList)).to.equal('text/html');
    expect(body).to.be.a('string').that.contains('<title>404 Not Found</title>');
  });

  describe('connections, as nginx logs them ($connection, $connection_requests)', () => {
    it('N sequential requests in one loop use one connection: requests 1..N', async () => {
      const t = tag();
      const n = 6;
      const bodies = await inLoopAsync(async () => {
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) {
          const [body, , , , , mustClose] = await request(`${nginx.url}/small.txt?${t}`, { forceBinary: true });
          expect(mustClose).to.equal(false);
          out.push(body);
        }
        return out;
      });
      for (const body of bodies) expect((body as Buffer).equals(Buffer.from(small))).to.equal(true);
      const entries = await nginx.waitForLog(tagged(t), n);
      expect(new Set(entries.map((e) => e.connection)).size).to.equal(1);
      expect(entries.map((e) => e.connectionRequests)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    });

    it('close: true opens a new connection each time', async () => {
      const t = tag();
      const n = 4;
      const closes = await inLoopAsync(async () => {
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push((await request(`${nginx.url}/small.txt?${t}`, { close: true }))[5]);
        return out;
      });
      expect(closes).to.deep.equal([true, true, true, true]);
      const entries = await nginx.waitForLog(tagged(t), n);
      expect(new Set(entries.map((e) => e.connection)).size).to.equal(n);
      expect(entries.map((e) => e.connectionRequests)).to.deep.equal([1, 1, 1, 1]);
    });

    it('keepalive_requests 3: nginx closes after the 3rd response, the 4th request opens a new connection', async () => {
      const t = tag();
      const results = await inLoopAsync(async () => {
        const out: unknown[][] = [];
        for (let i = 0; i < 5; i++) out.push(await request(`${nginx.url}/ka3/small.txt?${t}`));
        return out;
      });
      expect(results.map((r) => [r[0], r[5]])).to.deep.equal([
        [small, false],
        [small, false],
        [small, true],
        [small, false],
        [small, false],
      ]);
      const entries = await nginx.waitForLog(tagged(t), 5);
      expect(entries.map((e) => e.connectionRequests)).to.deep.equal([1, 2, 3, 1, 2]);
      expect(entries[3].connection).to.not.equal(entries[0].connection);
    });

    it('an idle connection nginx closed (keepalive_timeout 1) is not reused: no HttpEof', async () => {
      const t = tag();
      const bodies = await inLoopAsync(async () => {
        const first = (await request(`${nginx.url}/ka-short/small.txt?${t}`))[0];
        await new Promise((r) => setTimeout(r, 1600));
        const second = (await request(`${nginx.url}/ka-short/small.txt?${t}`))[0];
        return [first, second];
      });
      expect(bodies).to.deep.equal([small, small]);
      const entries = await nginx.waitForLog(tagged(t), 2);
      expect(entries[1].connection).to.not.equal(entries[0].connection);
    });

    it("nginx's Keep-Alive: timeout=1 hint: the pool lets the idle connection go before nginx does", async () => {
      const t = tag();
      const [headers] = await inLoopAsync(async () => {
        const [, , h] = await request(`${nginx.url}/ka-hint/small.txt?${t}`);
        await new Promise((r) => setTimeout(r, 500));
        await request(`${nginx.url}/ka-hint/small.txt?${t}`);
        return [h];
      });
      expect(headerValue('keep-alive', headers as HeaderList)).to.equal('timeout=1');
      const entries = await nginx.waitForLog(tagged(t), 2);
      expect(entries[1].connection).to.not.equal(entries[0].connection);
    });

    it('pipelining: 3 on one connection (maxConnections: 1): 9 requests, all correct, in order', async () => {
      const t = tag();
      const files = ['small.txt', 'empty.txt', 'text.txt'];
      const results = await inLoopAsync(() =>
        Promise.all(
          Array.from({ length: 9 }, (_, i) =>
            request(`${nginx.url}/${files[i % 3]}?${t}-${i}`, { maxConnections: 1, pipelining: 3 }).then((v) => v[0]),
          ),
        ),
      );
      expect(results).to.deep.equal(Array.from({ length: 9 }, (_, i) => [small, null, text][i % 3]));
      const entries = await nginx.waitForLog((e) => e.uri.includes(`?${t}-`), 9);
      expect(new Set(entries.map((e) => e.connection)).size).to.equal(1);
      expect(entries.map((e) => e.uri.split('-').pop())).to.deep.equal(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
    });

    it('50 requests at once with maxConnections: 10: all correct, on 10 connections', async () => {
      const t = tag();
      const files = ['small.txt', 'text.txt', 'big.bin', 'empty.txt', 'missing.txt'];
      const expected: Record<string, [number, string]> = {
        'small.txt': [200, sha256(Buffer.from(small))],
        'text.txt': [200, sha256(text)],
        'big.bin': [200, sha256(big)],
        'empty.txt': [200, sha256('')],
      };
      const results = await inLoopAsync(() =>
        Promise.all(
          Array.from({ length: 50 }, (_, i) => {
            const file = files[i % files.length];
            return request(`${nginx.url}/${file}?${t}-${i}`, { maxConnections: 10, forceBinary: true }).then(
              ([body, status]) => [file, status, body] as const,
            );
          }),
        ),
      );
      expect(results).to.have.length(50);
      for (const [file, status, body] of results) {
        if (file === 'missing.txt') {
          expect(status).to.equal(404);
          continue;
        }
        expect([status, sha256((body as Buffer | null) ?? Buffer.alloc(0))], file).to.deep.equal(expected[file]);
      }
      const entries = await nginx.waitForLog((e) => e.uri.includes(`?${t}-`), 50);
      expect(entries).to.have.length(50);
      const connections = new Set(entries.map((e) => e.connection));
      // 50 waiting requests: the pool opens its 10 connections and keeps them busy.
      expect(connections.size).to.equal(10);
    });
  });

  it('wantStream: the 5 MB file through a slow consumer, byte-exact, with back-pressure', async () => {
    const { digest, length, readWhileIdle } = await inLoopAsync(async () => {
      const [body, status, , , socket] = await request(`${nginx.url}/big.bin`, { wantStream: true, readTimeout: 5 });
      expect(status).to.equal(200);
      // Not reading for a while: the socket must stop reading too.
      await new Promise((r) => setTimeout(r, 300));
      const idle = (socket as AsyncSocket).c!.bytesRead;
      const hash = createHash('sha256');
      let received = 0;
      let count = 0;
      for await (const chunk of body as Readable) {
        hash.update(chunk as Buffer);
        received += (chunk as Buffer).length;
        // Slow: a pause every few chunks.
        if (++count % 4 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      return { digest: hash.digest('hex'), length: received, readWhileIdle: idle };
    });
    expect(length).to.equal(big.length);
    expect(digest).to.equal(sha256(big));
    expect(readWhileIdle).to.be.below(big.length / 2);
  });

  it('aborting the signal while a wantStream body is unread fails the body; the connection is not reused', async () => {
    const t = tag();
    const { error, received, after } = await inLoopAsync(async () => {
      const controller = new AbortController();
      const [body] = await request(`${nginx.url}/big.bin?${t}`, { wantStream: true, signal: controller.signal });
      controller.abort();
      let bytes = 0;
      let caught: unknown = null;
      try {
        for await (const chunk of body as Readable) bytes += (chunk as Buffer).length;
      } catch (err) {
        caught = err;
      }
      const [next] = await request(`${nginx.url}/small.txt?${t}`);
      return { error: caught, received: bytes, after: next };
    });
    expect(error).to.be.instanceOf(HttpError).with.property('code', 'ABORT_ERR');
    expect(received).to.be.below(big.length);
    expect(after).to.equal(small);
    const entries = await nginx.waitForLog(tagged(t), 2);
    expect(entries[1].connection).to.not.equal(entries[0].connection);
  });

  describe('Range', () => {
    it('range: [0, 99] gives 206 and the first 100 bytes', async () => {
      const [body, status, headers, , , , reason] = await inLoopAsync(() => request(`${nginx.url}/big.bin`, { range: [0, 99] }));
      expect(status).to.equal(206);
      expect(reason).to.equal('Partial Content');
      expect(headerValue('content-range', headers as HeaderList)).to.equal(`bytes 0-99/${big.length}`);
      expect((body as Buffer).equals(big.subarray(0, 100))).to.equal(true);
    });

    it('a range in the middle and one past the end (416)', async () => {
      const [[mid, midStatus], [, pastStatus]] = await inLoopAsync(async () => [
        await request(`${nginx.url}/big.bin`, { range: [1_000_000, 1_065_535] }),
        await request(`${nginx.url}/big.bin`, { range: [big.length + 10, big.length + 20] }),
      ]);
      expect(midStatus).to.equal(206);
      expect((mid as Buffer).equals(big.subarray(1_000_000, 1_065_536))).to.equal(true);
      expect(pastStatus).to.equal(416);
    });
  });

  describe('uploads (WebDAV PUT), read back from disk and over HTTP', () => {
    it('a stream sent chunked', async () => {
      const pieces = Array.from({ length: 40 }, (_, i) => big.subarray(i * 65536, (i + 1) * 65536));
      const t = tag();
      const [status, back] = await inLoopAsync(async () => {
        const [, s] = await request(`${nginx.url}/upload/dir/chunked.bin?${t}`, {
          method: 'PUT',
          content: Readable.from(pieces),
          contentType: 'application/octet-stream',
        });
        const [b] = await request(`${nginx.url}/upload/dir/chunked.bin`);
        return [s, b];
      });
      const sent = Buffer.concat(pieces);
      expect(status).to.equal(201);
      expect(sha256(readFileSync(join(nginx.uploads, 'dir', 'chunked.bin')))).to.equal(sha256(sent));
      expect(sha256(back as Buffer)).to.equal(sha256(sent));
      const [entry] = await nginx.waitForLog(tagged(t), 1);
      expect(entry.requestLength).to.be.above(sent.length);
    });

    it('a Buffer with Content-Length, then a function writer, on one connection', async () => {
      const t = tag();
      const [first, second] = await inLoopAsync(async () => [
        (await request(`${nginx.url}/upload/sized.bin?${t}`, { method: 'PUT', content: big }))[1],
        (
          await request(`${nginx.url}/upload/written.txt?${t}`, {
            method: 'PUT',
            contentType: 'text/plain',
            content: async (out: Writable) => {
              for (let i = 0; i < 100; i++) {
                out.write(`row ${i}\n`);
                if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
              }
            },
          })
        )[1],
      ]);
      expect([first, second]).to.deep.equal([201, 201]);
      expect(sha256(readFileSync(join(nginx.uploads, 'sized.bin')))).to.equal(sha256(big));
      const rows = Array.from({ length: 100 }, (_, i) => `row ${i}\n`).join('');
      expect(readFileSync(join(nginx.uploads, 'written.txt'), 'utf8')).to.equal(rows);
      const entries = await nginx.waitForLog(tagged(t), 2);
      expect(entries[1].connection).to.equal(entries[0].connection);
    });

    it('a writer function that throws fails the request with CLASYNC_HTTP_BODY_ERROR (no crash)', async () => {
      const [error, next] = await inLoopAsync(async () => {
        let caught: unknown = null;
        try {
          await request(`${nginx.url}/upload/thrown.txt`, {
            method: 'PUT',
            content: () => {
              throw new Error('writer failed');
            },
          });
        } catch (err) {
          caught = err;
        }
        return [caught, (await request(`${nginx.url}/small.txt`))[0]];
      });
      expect(error).to.be.instanceOf(HttpError).with.property('code', 'CLASYNC_HTTP_BODY_ERROR');
      expect((error as HttpError).message).to.contain('writer failed');
      expect(next).to.equal(small);
    });

    it('a writer that fails while its request waits for a connection (maxConnections: 1) rejects it (no crash)', async () => {
      const [error, blockerStatus] = await inLoopAsync(async () => {
        const blocker = request(`${nginx.url}/big.bin`, { maxConnections: 1 });
        let caught: unknown = null;
        try {
          await request(`${nginx.url}/upload/queued.txt`, {
            method: 'PUT',
            maxConnections: 1,
            content: async () => {
              throw new Error('failed at once');
            },
          });
        } catch (err) {
          caught = err;
        }
        return [caught, (await blocker)[1]];
      });
      expect(error).to.be.instanceOf(HttpError).with.property('code', 'CLASYNC_HTTP_BODY_ERROR');
      expect(blockerStatus).to.equal(200);
    });

    it('a stream body that errors midway fails the request; the next request gets a fresh connection', async () => {
      let sent = 0;
      const failing = new Readable({
        read() {
          if (sent++ < 16) this.push(big.subarray(0, 65536));
          else this.destroy(new Error('source broke'));
        },
      });
      const [error, next] = await inLoopAsync(async () => {
        let caught: unknown = null;
        try {
          await request(`${nginx.url}/upload/broken.bin`, { method: 'PUT', content: failing });
        } catch (err) {
          caught = err;
        }
        return [caught, (await request(`${nginx.url}/small.txt`))[0]];
      });
      expect(error).to.be.instanceOf(HttpError).with.property('code', 'CLASYNC_HTTP_BODY_ERROR');
      expect(next).to.equal(small);
    });

    it('multipart/form-data with a file part: the Content-Length matches the bytes (nginx stores them all)', async () => {
      const partFile = join(nginx.prefix, 'part.bin');
      writeFileSync(partFile, big.subarray(0, 100_000));
      const [status] = await inLoopAsync(async () => [
        (
          await request(`${nginx.url}/upload/form.bin`, {
            method: 'PUT',
            formData: true,
            parameters: [
              ['field', 'välue'],
              ['file', { path: partFile, contentType: 'application/octet-stream' }],
            ],
          })
        )[1],
      ]);
      expect(status).to.equal(201);
      const stored = readFileSync(join(nginx.uploads, 'form.bin'));
      const boundary = stored.toString('latin1', 2, stored.indexOf('\r\n'));
      expect(stored.toString('latin1').endsWith(`--${boundary}--\r\n`)).to.equal(true);
      expect(stored.includes(Buffer.from('name="field"\r\n\r\nvälue\r\n'))).to.equal(true);
      expect(stored.includes(big.subarray(0, 100_000))).to.equal(true);
    });

    it('PUT to an existing file replaces it (204), DELETE removes it', async () => {
      const [created, replaced, deleted, gone] = await inLoopAsync(async () => [
        (await request(`${nginx.url}/upload/x.txt`, { method: 'PUT', content: 'one' }))[1],
        (await request(`${nginx.url}/upload/x.txt`, { method: 'PUT', content: 'two' }))[1],
        (await request(`${nginx.url}/upload/x.txt`, { method: 'DELETE' }))[1],
        (await request(`${nginx.url}/upload/x.txt`))[1],
      ]);
      expect([created, replaced, deleted, gone]).to.deep.equal([201, 204, 204, 404]);
    });

    it('a chunked POST that nginx answers before reading it all; the connection still serves the next request', async () => {
      const t = tag();
      const body = big.subarray(0, 2 * 1024 * 1024);
      const [[sunk, sunkStatus], [next]] = await inLoopAsync(async () => [
        await request(`${nginx.url}/sink?${t}`, { method: 'POST', content: Readable.from([body.subarray(0, 1 << 20), body.subarray(1 << 20)]) }),
        await request(`${nginx.url}/small.txt?${t}`, { forceBinary: true }),
      ]);
      expect(sunkStatus).to.equal(200);
      expect(String(sunk)).to.equal('sunk\n');
      expect((next as Buffer).equals(Buffer.from(small))).to.equal(true);
    });
  });
});
