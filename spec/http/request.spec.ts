import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import {
  HttpEof,
  HttpError,
  HttpParseError,
  HttpRefused,
  HttpTimeout,
  TcpSslError,
} from '../../src/errors';
import { stats } from '../../src/event-loop';
import { attach, Future } from '../../src/future/future';
import { all } from '../../src/future/util';
import { CookieJar } from '../../src/http/cookies';
import { headerValue, HeaderList } from '../../src/http/headers';
import { httpRequest } from '../../src/http/request';
import { ConnectTunnel } from '../../src/http/tunnel';
import { AsyncSocket } from '../../src/socket';
import { httpPeer, inLoop, inLoopAsync, inLoopError, Peer, rawPeer, readBody } from './support';

const TLS = join(__dirname, '../fixtures/tls');

describe('httpRequest', () => {
  let peer: Peer | undefined;
  let other: Peer | undefined;
  afterEach(async () => {
    await peer?.close();
    await other?.close();
    peer = other = undefined;
  });

  describe("Drakma's seven values", () => {
    it('(body status headers uri stream must-close reason-phrase) for a text response', async () => {
      peer = await httpPeer((req, res) => {
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.setHeader('X-Twice', ['a', 'b']);
        res.end('héllo');
      });
      const [body, status, headers, uri, stream, mustClose, reason] = await inLoop(() => httpRequest(`${peer!.url}/x?y=1`));
      expect(body).to.equal('héllo');
      expect(status).to.equal(200);
      expect(headerValue('x-twice', headers as HeaderList)).to.equal('a, b');
      expect((headers as HeaderList).filter(([n]) => n === 'x-twice')).to.have.length(2);
      expect((headers as HeaderList).every(([n]) => n === n.toLowerCase())).to.equal(true);
      expect(uri).to.be.instanceOf(URL);
      expect((uri as URL).href).to.equal(`${peer.url}/x?y=1`);
      expect(stream).to.be.instanceOf(AsyncSocket);
      expect(mustClose).to.equal(false);
      expect(reason).to.equal('OK');
    });

    it('gives a Buffer for binary content types, and with forceBinary', async () => {
      peer = await httpPeer((req, res) => {
        res.setHeader('Content-Type', req.url === '/bin' ? 'application/octet-stream' : 'application/json');
        res.end(req.url === '/bin' ? Buffer.from([0, 1, 2, 255]) : '{"a":1}');
      });
      const [bin] = await inLoop(() => httpRequest(`${peer!.url}/bin`));
      expect(bin).to.deep.equal(Buffer.from([0, 1, 2, 255]));
      const [json] = await inLoop(() => httpRequest(`${peer!.url}/json`));
      expect(json).to.equal('{"a":1}');
      const [forced] = await inLoop(() => httpRequest(`${peer!.url}/json`, { forceBinary: true }));
      expect(Buffer.isBuffer(forced)).to.equal(true);
    });

    it('decodes text by its charset', async () => {
      peer = await httpPeer((req, res) => {
        res.setHeader('Content-Type', 'text/plain; charset=iso-8859-1');
        res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
      });
      const [body] = await inLoop(() => httpRequest(peer!.url));
      expect(body).to.equal('café');
    });

    it('an empty body is null; HEAD has none', async () => {
      peer = await httpPeer((req, res) => {
        res.setHeader('Content-Length', '5');
        res.end(req.method === 'HEAD' ? undefined : '12345');
      });
      const [head, status] = await inLoop(() => httpRequest(peer!.url, { method: 'HEAD' }));
      expect(head).to.equal(null);
      expect(status).to.equal(200);
      const [body] = await inLoop(() => httpRequest(peer!.url));
      expect(Buffer.isBuffer(body) || typeof body === 'string').to.equal(true);
    });

    it('mustClose is true when the server closes (HTTP/1.0 or Connection: close) and with close: true', async () => {
      peer = await rawPeer((socket, request) => {
        if (request.startsWith('GET /10')) socket.end('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${/connection: close/i.test(request) ? 'Connection: close\r\n' : ''}\r\nok`);
      });
      const [, , , , , closes10] = await inLoop(() => httpRequest(`${peer!.url}/10`));
      expect(closes10).to.equal(true);
      const [, , , , , keeps] = await inLoop(() => httpRequest(`${peer!.url}/11`));
      expect(keeps).to.equal(false);
      const [, , , , , closes] = await inLoop(() => httpRequest(`${peer!.url}/11`, { close: true }));
      expect(closes).to.equal(true);
    });
  });

  describe('what is sent', () => {
    let seen: { method?: string; url?: string; headers?: Record<string, string | string[] | undefined>; body?: Buffer } = {};
    beforeEach(async () => {
      seen = {};
      peer = await httpPeer(async (req, res) => {
        seen = { method: req.method, url: req.url, headers: req.headers, body: await readBody(req) };
        res.end('ok');
      });
    });

    it('default headers: Host, User-Agent, Accept; no Connection header for HTTP/1.1 keep-alive', async () => {
      await inLoop(() => httpRequest(peer!.url));
      expect(seen.headers).to.include({ host: `127.0.0.1:${peer!.port}`, accept: '*/*', 'user-agent': 'cl-async (Node.js)' });
      expect(seen.headers).to.not.have.property('connection');
    });

    it('userAgent, accept, range, basicAuthorization and additionalHeaders (which replace defaults)', async () => {
      await inLoop(() =>
        httpRequest(peer!.url, {
          userAgent: null,
          accept: 'text/html',
          range: [0, 99],
          basicAuthorization: ['user', 'pw'],
          additionalHeaders: [
            ['X-One', '1'],
            ['Accept', 'application/json'],
          ],
        }),
      );
      expect(seen.headers).to.not.have.property('user-agent');
      expect(seen.headers).to.include({
        accept: 'application/json',
        range: 'bytes=0-99',
        authorization: `Basic ${Buffer.from('user:pw').toString('base64')}`,
        'x-one': '1',
      });
    });

    it('GET parameters go into the query string; POST parameters into a form body', async () => {
      await inLoop(() => httpRequest(`${peer!.url}/q?a=1`, { parameters: [['b', 'x y']] }));
      expect(seen.url).to.equal('/q?a=1&b=x+y');
      await inLoop(() => httpRequest(`${peer!.url}/f`, { method: 'POST', parameters: { name: 'é', n: '1' } }));
      expect(seen.method).to.equal('POST');
      expect(seen.headers!['content-type']).to.equal('application/x-www-form-urlencoded');
      expect(seen.body!.toString()).to.equal('name=%C3%A9&n=1');
    });

    it('content as a string, bytes, a Readable (chunked), a known-length stream and a writer function', async () => {
      await inLoop(() => httpRequest(peer!.url, { method: 'PUT', content: 'text body', contentType: 'text/plain' }));
      expect(seen.headers).to.include({ 'content-type': 'text/plain', 'content-length': '9' });
      expect(seen.body!.toString()).to.equal('text body');

      await inLoop(() => httpRequest(peer!.url, { method: 'POST', content: Buffer.from([1, 2, 3]) }));
      expect(seen.body).to.deep.equal(Buffer.from([1, 2, 3]));

      await inLoop(() => httpRequest(peer!.url, { method: 'POST', content: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) }));
      expect(seen.headers!['transfer-encoding']).to.equal('chunked');
      expect(seen.body!.toString()).to.equal('abcd');

      await inLoop(() => httpRequest(peer!.url, { method: 'POST', content: Readable.from(['xyz']), contentLength: 3 }));
      expect(seen.headers).to.include({ 'content-length': '3' }).and.not.have.property('transfer-encoding');
      expect(seen.body!.toString()).to.equal('xyz');

      await inLoop(() =>
        httpRequest(peer!.url, {
          method: 'POST',
          content: async (out) => {
            out.write('one ');
            await new Promise((r) => setTimeout(r, 5));
            out.write('two');
          },
        }),
      );
      expect(seen.body!.toString()).to.equal('one two');
    });

    it('a large streamed upload arrives intact', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      big.write('start');
      big.write('end', big.length - 3);
      async function* pieces(): AsyncGenerator<Buffer> {
        for (let i = 0; i < big.length; i += 65536) yield big.subarray(i, i + 65536);
      }
      await inLoop(() => httpRequest(peer!.url, { method: 'POST', content: pieces() }));
      expect(seen.body!.equals(big)).to.equal(true);
    });

    it('formData sends multipart with files streamed from disk', async () => {
      const file = join(tmpdir(), `cl-async-upload-${process.pid}.txt`);
      writeFileSync(file, 'file contents\n');
      await inLoop(() =>
        httpRequest(peer!.url, {
          method: 'POST',
          formData: true,
          parameters: [
            ['field', 'value'],
            ['upload', { path: file, filename: 'a.txt', contentType: 'text/plain' }],
          ],
        }),
      );
      const type = String(seen.headers!['content-type']);
      expect(type).to.match(/^multipart\/form-data; boundary=/);
      const body = seen.body!.toString();
      expect(body).to.contain('name="field"\r\n\r\nvalue\r\n');
      expect(body).to.contain('filename="a.txt"');
      expect(body).to.contain('file contents\n');
      expect(seen.headers!['content-length']).to.equal(String(seen.body!.length));
    });

    it('cookies: the jar learns Set-Cookie and sends Cookie', async () => {
      await peer!.close();
      peer = await httpPeer((req, res) => {
        if (req.url === '/set') res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; Path=/other']);
        res.setHeader('Content-Type', 'text/plain');
        res.end(String(req.headers.cookie ?? ''));
      });
      const jar = new CookieJar();
      await inLoop(() => httpRequest(`${peer!.url}/set`, { cookieJar: jar }));
      expect(jar.cookies.map((c) => c.name).sort()).to.deep.equal(['a', 'b']);
      const [body] = await inLoop(() => httpRequest(`${peer!.url}/`, { cookieJar: jar }));
      expect(body).to.equal('a=1');
    });

    it('rejects bad method and header input with a typed error, before sending anything', async () => {
      const bad = await inLoopError(() => httpRequest(peer!.url, { additionalHeaders: { 'X-Bad': 'a\r\nInjected: 1' } }));
      expect(bad).to.be.instanceOf(HttpError).with.property('code', 'CLASYNC_HTTP_INVALID_HEADER');
      const method = await inLoopError(() => httpRequest(peer!.url, { method: 'GE T' }));
      expect(method).to.be.instanceOf(HttpError).with.property('code', 'CLASYNC_HTTP_INVALID_METHOD');
      const url = await inLoopError(() => httpRequest('not a url'));
      expect(url).to.be.instanceOf(HttpError).with.property('code', 'ERR_INVALID_URL');
      const scheme = await inLoopError(() => httpRequest('ftp://127.0.0.1/'));
      expect(scheme).to.be.instanceOf(HttpError).with.property('code', 'ERR_INVALID_URL_SCHEME');
      expect(peer!.connections).to.equal(0);
    });
  });

  describe('redirects', () => {
    it('follows 301/302/303 as GET without the body, and 307/308 with method and body', async () => {
      const log: string[] = [];
      peer = await httpPeer(async (req, res) => {
        const body = (await readBody(req)).toString();
        log.push(`${req.method} ${req.url} ${body}`);
        const m = /^\/(\d+)$/.exec(req.url!);
        if (m) {
          res.writeHead(Number(m[1]), { Location: '/done' });
          res.end();
        } else res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`${req.method}:${body}`);
      });
      for (const code of [301, 302, 303]) {
        const [body, status, , uri] = await inLoop(() => httpRequest(`${peer!.url}/${code}`, { method: 'POST', content: 'x' }));
        expect(body, String(code)).to.equal('GET:');
        expect(status).to.equal(200);
        expect((uri as URL).pathname).to.equal('/done');
      }
      for (const code of [307, 308]) {
        const [body] = await inLoop(() => httpRequest(`${peer!.url}/${code}`, { method: 'POST', content: 'x' }));
        expect(body, String(code)).to.equal('POST:x');
      }
      expect(log).to.include('POST /307 x').and.include('POST /done x');
    });

    it('redirect: false returns the 3xx; past the limit the last 3xx is returned', async () => {
      let hops = 0;
      peer = await httpPeer((req, res) => {
        hops++;
        res.writeHead(302, { Location: `/hop${hops}` });
        res.end('moved');
      });
      const [, status] = await inLoop(() => httpRequest(peer!.url, { redirect: false }));
      expect(status).to.equal(302);
      expect(hops).to.equal(1);
      hops = 0;
      const [, last, headers] = await inLoop(() => httpRequest(peer!.url, { redirect: 2 }));
      expect(last).to.equal(302);
      expect(hops).to.equal(3);
      expect(headerValue('location', headers as HeaderList)).to.equal('/hop3');
    });

    it('drops Authorization across origins, keeps it on the same origin; autoReferer sets Referer', async () => {
      const got: Array<Record<string, unknown>> = [];
      other = await httpPeer((req, res) => {
        got.push({ where: 'other', auth: req.headers.authorization, referer: req.headers.referer });
        res.end('there');
      });
      peer = await httpPeer((req, res) => {
        got.push({ where: 'peer', auth: req.headers.authorization, referer: req.headers.referer });
        if (req.url === '/same') res.writeHead(302, { Location: '/here' }).end();
        else if (req.url === '/away') res.writeHead(302, { Location: `${other!.url}/x` }).end();
        else res.end('here');
      });
      await inLoop(() => httpRequest(`${peer!.url}/same`, { basicAuthorization: ['u', 'p'], autoReferer: true }));
      await inLoop(() => httpRequest(`${peer!.url}/away`, { additionalHeaders: { Authorization: 'Bearer t' }, autoReferer: true }));
      expect(got[1]).to.include({ where: 'peer', auth: `Basic ${Buffer.from('u:p').toString('base64')}`, referer: `${peer.url}/same` });
      expect(got[3]).to.include({ where: 'other', auth: undefined, referer: `${peer.url}/away` });
    });

    it('does not follow a redirect that would have to resend a streamed body', async () => {
      peer = await httpPeer(async (req, res) => {
        await readBody(req);
        res.writeHead(307, { Location: '/again' }).end();
      });
      const [, status] = await inLoop(() => httpRequest(peer!.url, { method: 'POST', content: Readable.from(['a']) }));
      expect(status).to.equal(307);
    });
  });

  describe('content decoding', () => {
    const text = 'compress me '.repeat(1000);
    const encoders: Record<string, (b: Buffer) => Buffer> = {
      gzip: zlib.gzipSync,
      deflate: zlib.deflateSync,
      br: zlib.brotliCompressSync,
    };
    beforeEach(async () => {
      peer = await httpPeer((req, res) => {
        const encoding = req.url!.slice(1);
        expect(req.headers['accept-encoding']).to.equal('gzip, deflate, br');
        res.setHeader('Content-Type', 'text/plain');
        res.setHeader('Content-Encoding', encoding);
        res.end(encoders[encoding](Buffer.from(text)));
      });
    });

    for (const encoding of ['gzip', 'deflate', 'br']) {
      it(`decodeContent undoes ${encoding}, buffered and streamed`, async () => {
        const [body] = await inLoop(() => httpRequest(`${peer!.url}/${encoding}`, { decodeContent: true }));
        expect(body).to.equal(text);
        let streamed = '';
        await inLoop(() =>
          attach(httpRequest(`${peer!.url}/${encoding}`, { decodeContent: true, wantStream: true }), async (stream: Readable) => {
            for await (const chunk of stream) streamed += chunk;
          }),
        );
        expect(streamed).to.equal(text);
      });
    }

    it('a buffered body arriving faster than the decoder takes it waits for the decoder, without piling up listeners', async () => {
      // Incompressible, so the encoded body is as large as the decoded one; in 512-byte chunks,
      // each socket read brings many of them, far more than the decoder buffers.
      const data = randomBytes(1024 * 1024);
      const encoded = zlib.gzipSync(data);
      await peer!.close();
      peer = await httpPeer((req, res) => {
        res.setHeader('Content-Encoding', 'gzip');
        for (let at = 0; at < encoded.length; at += 512) res.write(encoded.subarray(at, at + 512));
        res.end();
      });
      const warnings: Error[] = [];
      const onWarning = (warning: Error): void => void warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const [body] = await inLoop(() => httpRequest(peer!.url, { decodeContent: true }));
        expect((body as Buffer).equals(data)).to.equal(true);
      } finally {
        process.off('warning', onWarning);
      }
      // One 'drain' listener per refused write would pass MaxListeners within one read.
      expect(warnings.map((w) => w.name)).to.not.include('MaxListenersExceededWarning');
    });

    it('a corrupt encoded body is a typed error', async () => {
      await peer!.close();
      peer = await httpPeer((req, res) => {
        res.setHeader('Content-Encoding', 'gzip');
        res.end(Buffer.from('this is not gzip at all, not even close'));
      });
      const err = await inLoopError(() => httpRequest(peer!.url, { decodeContent: true }));
      expect(err).to.be.instanceOf(HttpError).with.property('code', 'CLASYNC_HTTP_DECODE_ERROR');
    });

    it('an encoding it cannot undo is a typed error; the connection is dropped, the next request gets a new one', async () => {
      await peer!.close();
      const ports: number[] = [];
      peer = await httpPeer((req, res) => {
        ports.push(req.socket.remotePort!);
        if (req.url === '/compress') res.setHeader('Content-Encoding', 'compress');
        res.end('body');
      });
      let err: unknown;
      const after = await inLoopAsync(async () => {
        err = await httpRequest(`${peer!.url}/compress`, { decodeContent: true }).then(
          () => null,
          (e: unknown) => e,
        );
        return await httpRequest(`${peer!.url}/plain`, { decodeContent: true });
      });
      expect(err).to.be.instanceOf(HttpError).with.property('code', 'CLASYNC_HTTP_UNSUPPORTED_ENCODING');
      expect(String(after)).to.equal('body');
      expect(ports).to.have.length(2);
      expect(ports[1]).to.not.equal(ports[0]);
    });
  });

  describe('wantStream', () => {
    it('finishes at the headers with the body as a Readable, and keeps the trailers', async () => {
      let release: () => void = () => {};
      peer = await httpPeer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Sum' });
        res.write('first ');
        release = () => {
          res.addTrailers({ 'X-Sum': '42' });
          res.end('last');
        };
      });
      let finishedEarly = false;
      let text = '';
      let trailers: HeaderList = [];
      await inLoop(() =>
        attach(httpRequest(peer!.url, { wantStream: true }), async (body, status: number) => {
          finishedEarly = status === 200;
          release();
          for await (const chunk of body) text += chunk;
          trailers = (body as Readable & { trailers: HeaderList }).trailers;
        }),
      );
      expect(finishedEarly).to.equal(true);
      expect(text).to.equal('first last');
      expect(trailers).to.deep.equal([['x-sum', '42']]);
    });

    it('applies back-pressure to the socket while the consumer does not read', async () => {
      const size = 32 * 1024 * 1024;
      peer = await httpPeer((req, res) => {
        res.setHeader('Content-Length', String(size));
        const chunk = Buffer.alloc(1024 * 1024, 1);
        let sent = 0;
        const pump = (): void => {
          while (sent < size) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
      let readWhilePaused = 0;
      let total = 0;
      await inLoop(() =>
        attach(httpRequest(peer!.url, { wantStream: true }), async (body: Readable, _s: number, _h: unknown, _u: unknown, socket: AsyncSocket) => {
          await new Promise((r) => setTimeout(r, 200));
          readWhilePaused = socket.c!.bytesRead;
          for await (const chunk of body) total += (chunk as Buffer).length;
        }),
      );
      expect(total).to.equal(size);
      expect(readWhilePaused).to.be.below(size / 2);
    });

    it('destroying the body early closes the connection instead of reusing it', async () => {
      peer = await httpPeer((req, res) => {
        res.setHeader('Content-Length', '1000000');
        res.write(Buffer.alloc(1000));
      });
      await inLoop(() =>
        attach(httpRequest(peer!.url, { wantStream: true }), (body: Readable) => {
          body.destroy();
        }),
      );
      expect(peer.connections).to.equal(1);
    });
  });

  describe('connections', () => {
    it('reuses a keep-alive connection; close: true does not', async () => {
      peer = await httpPeer((req, res) => res.end('ok'));
      await inLoop(() => attach(httpRequest(peer!.url), () => attach(httpRequest(peer!.url), () => httpRequest(peer!.url))));
      expect(peer.connections).to.equal(1);
      await inLoop(() => attach(httpRequest(peer!.url, { close: true }), () => httpRequest(peer!.url)));
      expect(peer.connections).to.equal(3);
    });

    it('an idle pooled connection does not keep the loop alive, and the counters go back to zero', async () => {
      peer = await httpPeer((req, res) => res.end('ok'));
      let during = -1;
      const start = Date.now();
      await inLoop(() =>
        attach(httpRequest(peer!.url), () => {
          during = stats().outgoingHttpConnections;
          return undefined as unknown as Future;
        }) as Future,
      );
      expect(Date.now() - start).to.be.below(1000);
      expect(during).to.equal(1);
    });

    it('maxConnections queues requests; pipelining sends several on one connection', async () => {
      const arrival: number[] = [];
      peer = await rawPeer((socket, request, index) => {
        arrival.push(index);
        // Answer only once both requests are in: proves they were pipelined.
        const ok = (text: string): string => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\n${text}`;
        if (index === 1) socket.write(ok('a') + ok('b'));
      });
      const bodies: unknown[] = [];
      await inLoop(() => {
        const a = attach(httpRequest(peer!.url, { maxConnections: 1, pipelining: 2 }), (b: unknown) => bodies.push(b));
        const b = attach(httpRequest(peer!.url, { maxConnections: 1, pipelining: 2 }), (b: unknown) => bodies.push(b));
        return attach(a, () => b);
      });
      expect(bodies).to.deep.equal(['a', 'b']);
      expect(peer.connections).to.equal(1);
      expect(arrival).to.deep.equal([0, 1]);
    });

    it('retries an idempotent request when a reused connection closes before answering', async () => {
      const connectionOf = new Map<unknown, number>();
      peer = await rawPeer((socket, request, index) => {
        if (!connectionOf.has(socket)) connectionOf.set(socket, connectionOf.size + 1);
        const n = connectionOf.get(socket)!;
        // The first connection answers once, then drops the next request unanswered.
        if (n === 1 && index === 1) socket.destroy();
        else socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nc${n}${index}`);
      });
      const server = peer;
      const bodies: unknown[] = [];
      await inLoop(() =>
        attach(httpRequest(server.url), (first: unknown) => {
          bodies.push(first);
          return attach(httpRequest(server.url), (second: unknown) => bodies.push(second));
        }),
      );
      expect(bodies).to.deep.equal(['c10', 'c20']);
      expect(server.connections).to.equal(2);
    });

    it('G07: a body nobody reads holds its connection; the next request opens another', async () => {
      peer = await httpPeer((req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('x'.repeat(200000)));
      const server = peer;
      let second: unknown;
      await inLoop(() =>
        attach(httpRequest(server.url, { wantStream: true }), (unread: Readable) =>
          attach(httpRequest(server.url), (body: unknown) => {
            second = body;
            unread.destroy();
          }),
        ),
      );
      expect(String(second)).to.have.length(200000);
      expect(server.connections).to.equal(2);
    });

    it('requests with other pool settings get their own pool', async () => {
      peer = await httpPeer((req, res) => setTimeout(() => res.end('ok'), 20));
      const server = peer;
      await inLoop(() =>
        attach(httpRequest(server.url, { maxConnections: 1 }), () =>
          all(Array.from({ length: 4 }, () => httpRequest(server.url, { maxConnections: 4 }))),
        ),
      );
      expect(server.connections).to.equal(5);
    });

    it('does not retry a POST: it fails with HttpEof', async () => {
      peer = await rawPeer((socket, request, index) => {
        if (index === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.destroy();
      });
      const server = peer;
      const err = await inLoopError(() => attach(httpRequest(server.url), () => httpRequest(server.url, { method: 'POST', content: 'x' })));
      expect(err).to.be.instanceOf(HttpEof);
      expect(server.connections).to.equal(1);
    });
  });

  describe('failures are typed, close the connection, and never hang', () => {
    it('connection refused: HttpRefused', async () => {
      peer = await rawPeer(() => {});
      const url = peer.url;
      await peer.close();
      peer = undefined;
      const err = await inLoopError(() => httpRequest(url));
      expect(err).to.be.instanceOf(HttpRefused).with.property('code', 'ECONNREFUSED');
    });

    it('read timeout: HttpTimeout', async () => {
      peer = await rawPeer(() => {});
      const err = await inLoopError(() => httpRequest(peer!.url, { readTimeout: 0.1 }));
      expect(err).to.be.instanceOf(HttpTimeout);
      expect((err as HttpTimeout).code).to.contain('TIMEOUT');
    });

    it('H02: headers trickling past headersTimeout: HttpTimeout, though each byte beat readTimeout', async () => {
      const head = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
      const timers: NodeJS.Timeout[] = [];
      peer = await rawPeer((socket) => {
        for (let i = 0; i < head.length; i++) timers.push(setTimeout(() => socket.writable && socket.write(head[i]), i * 20));
      });
      try {
        const err = await inLoopError(() => httpRequest(peer!.url, { readTimeout: 0.2, headersTimeout: 0.3 }));
        expect(err).to.be.instanceOf(HttpTimeout).with.property('code', 'CLASYNC_HTTP_HEADERS_TIMEOUT');
      } finally {
        timers.forEach(clearTimeout);
      }
    });

    it('H06: a buffered body over maxResponseSize fails and closes the connection', async () => {
      peer = await httpPeer((req, res) => res.end(Buffer.alloc(300000)));
      const err = await inLoopError(() => httpRequest(peer!.url, { maxResponseSize: 100000 }));
      expect(err).to.be.instanceOf(HttpError).with.property('code', 'CLASYNC_HTTP_RESPONSE_TOO_LARGE');
      const [body] = await inLoop(() => httpRequest(peer!.url, { maxResponseSize: 300000 }));
      expect((body as Buffer).length).to.equal(300000);
    });

    it('H03: a body that stalls past readTimeout: HttpTimeout', async () => {
      peer = await rawPeer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
      const err = await inLoopError(() => httpRequest(peer!.url, { readTimeout: 0.1 }));
      expect(err).to.be.instanceOf(HttpTimeout);
    });

    it('the server closes mid-body: HttpEof', async () => {
      peer = await rawPeer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
      const err = await inLoopError(() => httpRequest(peer!.url));
      expect(err).to.be.instanceOf(HttpEof);
    });

    it('a body read until close completes at EOF', async () => {
      peer = await rawPeer((socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close'));
      const [body, , , , , mustClose] = await inLoop(() => httpRequest(peer!.url));
      expect(String(body)).to.equal('until close');
      expect(mustClose).to.equal(true);
    });

    it('garbage: HttpParseError with the rule’s code, and the connection is not reused', async () => {
      peer = await rawPeer((socket, request) => {
        if (request.startsWith('GET /bad')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n');
        else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
      const server = peer;
      const err = await inLoopError(() => httpRequest(`${server.url}/bad`));
      expect(err).to.be.instanceOf(HttpParseError).with.property('code', 'HPE_CL_TE_CONFLICT');
      const [ok] = await inLoop(() => attach(httpRequest(`${server.url}/good`), () => httpRequest(`${server.url}/good`)));
      expect(String(ok)).to.equal('ok');
    });

    it('LF-only responses are refused by default and accepted with lenient: true', async () => {
      peer = await rawPeer((socket) => socket.write('HTTP/1.1 200 OK\nContent-Length: 2\n\nok'));
      const err = await inLoopError(() => httpRequest(peer!.url));
      expect(err).to.be.instanceOf(HttpParseError);
      const [body] = await inLoop(() => httpRequest(peer!.url, { lenient: true }));
      expect(String(body)).to.equal('ok');
    });

    it('headers over maxHeaderSize: HPE_HEADER_OVERFLOW', async () => {
      peer = await rawPeer((socket) => socket.write(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(5000)}\r\nContent-Length: 0\r\n\r\n`));
      const err = await inLoopError(() => httpRequest(peer!.url, { maxHeaderSize: 4096 }));
      expect(err).to.be.instanceOf(HttpParseError).with.property('code', 'HPE_HEADER_OVERFLOW');
    });

    it('interim 1xx responses are skipped; an unasked 101 is an error', async () => {
      peer = await rawPeer((socket, request) => {
        if (request.startsWith('GET /103')) socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n');
      });
      const [body, status] = await inLoop(() => httpRequest(`${peer!.url}/103`));
      expect([String(body), status]).to.deep.equal(['ok', 200]);
      const err = await inLoopError(() => httpRequest(`${peer!.url}/101`));
      expect(err).to.be.instanceOf(HttpError).with.property('code', 'CLASYNC_HTTP_UNEXPECTED_UPGRADE');
    });

    it('an AbortSignal rejects the request and closes its connection', async () => {
      peer = await rawPeer(() => {});
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const err = await inLoopError(() => httpRequest(peer!.url, { signal: controller.signal }));
      expect(err).to.be.instanceOf(HttpError).with.property('code', 'ABORT_ERR');
      const already = await inLoopError(() => httpRequest(peer!.url, { signal: AbortSignal.abort() }));
      expect(already).to.be.instanceOf(HttpError).with.property('code', 'ABORT_ERR');
    });
  });

  describe('HTTPS and proxies', () => {
    function httpsPeer(): Promise<Peer> {
      const server = https.createServer(
        { cert: readFileSync(join(TLS, 'server.pem')), key: readFileSync(join(TLS, 'server-key.pem')) },
        (req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`secure ${req.url}`),
      );
      const sockets = new Set<import('node:net').Socket>();
      server.on('connection', (s: import('node:net').Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      return new Promise((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          const port = (server.address() as import('node:net').AddressInfo).port;
          resolve({
            port,
            url: `https://localhost:${port}`,
            connections: 0,
            close: () => new Promise<void>((r) => {
              for (const s of sockets) s.destroy();
              server.close(() => r());
            }),
          });
        }),
      );
    }

    it('verifies the server against ca; an unknown CA is a TcpSslError', async () => {
      peer = await httpsPeer();
      const [body] = await inLoop(() => httpRequest(`${peer!.url}/x`, { ca: join(TLS, 'ca.pem') }));
      expect(body).to.equal('secure /x');
      const err = await inLoopError(() => httpRequest(`${peer!.url}/x`));
      expect(err).to.be.instanceOf(TcpSslError);
      const [unverified] = await inLoop(() => httpRequest(`${peer!.url}/y`, { verify: false }));
      expect(unverified).to.equal('secure /y');
    });

    it('sends plain-HTTP requests through a forwarding proxy in absolute form', async () => {
      let seen = '';
      peer = await rawPeer((socket, request) => {
        seen = request;
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied');
      });
      const [body] = await inLoop(() =>
        httpRequest('http://example.invalid:8080/path?q=1', { proxy: ['127.0.0.1', peer!.port], proxyBasicAuthorization: ['p', 'w'] }),
      );
      expect(String(body)).to.equal('proxied');
      expect(seen).to.match(/^GET http:\/\/example\.invalid:8080\/path\?q=1 HTTP\/1\.1\r\n/);
      expect(seen).to.contain(`Proxy-Authorization: Basic ${Buffer.from('p:w').toString('base64')}`);
      expect(seen).to.contain('Host: example.invalid:8080');
    });

    /** A CONNECT proxy: opens a TCP connection to the requested authority and splices the two. */
    async function connectProxy(answer?: string): Promise<Peer & { requests: string[] }> {
      const requests: string[] = [];
      const tunnels = new Set<import('node:net').Socket>();
      const proxy = await rawPeer((socket, request) => {
        requests.push(request);
        if (answer !== undefined) return void socket.end(answer);
        const [, authority] = /^CONNECT (\S+) HTTP\/1\.1\r\n/.exec(request)!;
        const port = Number(authority.slice(authority.lastIndexOf(':') + 1));
        const upstream = net.connect(port, '127.0.0.1', () => {
          socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          socket.removeAllListeners('data');
          socket.pipe(upstream).pipe(socket);
        });
        tunnels.add(upstream);
        upstream.on('error', () => socket.destroy());
      });
      const close = proxy.close;
      return Object.assign(proxy, {
        requests,
        close: async () => {
          for (const t of tunnels) t.destroy();
          await close();
        },
      });
    }

    it('sends HTTPS requests through a CONNECT tunnel, verifying the server inside it', async () => {
      other = await httpsPeer();
      const proxy = await connectProxy();
      try {
        const target = `https://localhost:${other.port}`;
        const [body] = await inLoop(() =>
          attach(httpRequest(`${target}/a`, { proxy: `127.0.0.1:${proxy.port}`, proxyBasicAuthorization: ['p', 'w'], ca: join(TLS, 'ca.pem') }), () =>
            httpRequest(`${target}/b`, { proxy: `127.0.0.1:${proxy.port}`, proxyBasicAuthorization: ['p', 'w'], ca: join(TLS, 'ca.pem') }),
          ),
        );
        expect(body).to.equal('secure /b');
        expect(proxy.requests, 'one tunnel, reused').to.have.length(1);
        expect(proxy.requests[0]).to.match(new RegExp(`^CONNECT localhost:${other.port} HTTP/1\\.1\r\n`));
        expect(proxy.requests[0]).to.contain(`Proxy-Authorization: Basic ${Buffer.from('p:w').toString('base64')}`);
        const unverified = await inLoopError(() => httpRequest(`${target}/c`, { proxy: `127.0.0.1:${proxy.port}` }));
        expect(unverified).to.be.instanceOf(TcpSslError);
      } finally {
        await proxy.close();
      }
    });

    it('a proxy that refuses the tunnel, with or without an error page: HttpError CLASYNC_HTTP_PROXY_REFUSED naming the status', async () => {
      const page = '<h1>Proxy authentication required</h1>';
      for (const answer of [
        'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n',
        `HTTP/1.1 407 Proxy Authentication Required\r\nContent-Type: text/html\r\nContent-Length: ${page.length}\r\n\r\n${page}`,
      ]) {
        const proxy = await connectProxy(answer);
        try {
          const err = await inLoopError(() => httpRequest('https://localhost:1/', { proxy: ['127.0.0.1', proxy.port] }));
          expect(err).to.be.instanceOf(HttpError).with.property('code', 'CLASYNC_HTTP_PROXY_REFUSED');
          expect((err as HttpError).message).to.contain('HTTP 407');
        } finally {
          await proxy.close();
        }
      }
    });

    it('a proxy that answers CONNECT with garbage: HttpParseError, nothing hangs', async () => {
      const proxy = await connectProxy('SSH-2.0-OpenSSH_9.6\r\n\r\n');
      try {
        const err = await inLoopError(() => httpRequest('https://localhost:1/', { proxy: ['127.0.0.1', proxy.port] }));
        expect(err).to.be.instanceOf(HttpParseError).with.property('code', 'HPE_INVALID_CONSTANT');
      } finally {
        await proxy.close();
      }
    });

    it('a tunnel passes its end on: the server behind the proxy gets what was written, then the end of stream', async () => {
      // httpRequest ends a tunnelled connection this way when it closes gracefully (TLS end, then the tunnel's).
      let ended!: (request: string) => void;
      const serverSaw = new Promise<string>((resolve) => (ended = resolve));
      other = await rawPeer((socket, request) => socket.once('end', () => ended(request)));
      const proxy = await connectProxy();
      const tunnel = new ConnectTunnel('127.0.0.1', proxy.port, { authority: `127.0.0.1:${other.port}` });
      try {
        tunnel.resume();
        // Written before the proxy's 200: it waits for the tunnel, then goes through, then the end.
        tunnel.end('hello\r\n\r\n');
        expect(await serverSaw).to.equal('hello\r\n\r\n');
      } finally {
        tunnel.destroy();
        await proxy.close();
      }
    });
  });
});
