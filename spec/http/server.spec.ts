import { expect } from 'chai';
import { Readable } from 'node:stream';
import { HttpError, HttpParseError, HttpTimeout, SocketAddressInUse } from '../../src/errors';
import { delay } from '../../src/event';
import { exitEventLoop, ref, stats, unref } from '../../src/event-loop';
import { headerValue } from '../../src/http/headers';
import { httpRequest } from '../../src/http/request';
import {
  closeHttpServer,
  httpRequestBody,
  httpRequestC,
  httpRequestHeaders,
  httpRequestMethod,
  httpRequestQuerystring,
  httpRequestResource,
  httpRequestUri,
  HttpRequest,
  httpResponse,
  HttpResponseOptions,
  httpServer,
  httpServerClosed,
  HttpServer,
  HttpServerOptions,
} from '../../src/http/server';
import { AsyncSocket } from '../../src/socket';
import { calledOnce, runLoop } from '../support/loop';
import { resourceBaseline } from '../support/sockets';
import { parseResponses, rawConnect, rawRequest } from './raw-client';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `test` until it holds (or give up after `ms` and let the assertion after it fail). */
async function until(test: () => boolean, ms = 2000): Promise<void> {
  for (const end = Date.now() + ms; !test() && Date.now() < end; ) await sleep(5);
}

/** A server on 127.0.0.1, port 0. */
function serve(requestCb: (req: HttpRequest) => void, options: HttpServerOptions = {}): HttpServer {
  return httpServer('127.0.0.1', 0, requestCb, options);
}

describe('httpServer (2012 HTTP module)', () => {
  describe('cl-async test: http-server-close', () => {
    it('closes gracefully at 0.1 s: the request in flight completes, and the server reads as closed before and after', async () => {
      const baseline = await resourceBaseline();
      let closedAtOnce: boolean | undefined;
      let server!: HttpServer;
      let status: number | undefined;
      let body: unknown;
      await runLoop(() => {
        server = httpServer('127.0.0.1', 0, (req) => delay(() => httpResponse(req, { body: 'lol' }), { time: 0.2 }));
        delay(
          () => {
            closeHttpServer(server);
            closedAtOnce = httpServerClosed(server);
          },
          { time: 0.1 },
        );
        httpRequest(`http://127.0.0.1:${server.port}/`).attach((b: unknown, s: number) => {
          body = b;
          status = s;
        });
      });
      expect(closedAtOnce).to.equal(true);
      expect(httpServerClosed(server)).to.equal(true);
      expect(status).to.equal(200);
      expect(body).to.equal('lol');
      await baseline.check();
    });
  });

  describe('requests', () => {
    it('gives method, uri, resource, querystring, headers and body (GET bodies too), with functional accessors', async () => {
      const seen: HttpRequest[] = [];
      await runLoop(async () => {
        const server = serve((req) => {
          seen.push(req);
          httpResponse(req, { body: 'ok' });
        });
        const c = await rawConnect(server.port);
        c.send('GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-One: 1\r\nContent-Length: 4\r\n\r\nhai ');
        c.send('POST /plain HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc');
        c.send('GET http://h/abs/path?q HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
        await c.closed();
        closeHttpServer(server);
      });
      expect(seen).to.have.length(3);
      const [get, post, abs] = seen;
      expect(httpRequestMethod(get)).to.equal('GET');
      expect(httpRequestUri(get)).to.equal('/a/b?x=1&y=2');
      expect(httpRequestResource(get)).to.equal('/a/b');
      expect(httpRequestQuerystring(get)).to.equal('x=1&y=2');
      expect(headerValue('x-one', httpRequestHeaders(get))).to.equal('1');
      expect(get.header('X-One')).to.equal('1');
      expect(httpRequestBody(get)!.toString()).to.equal('hai ');
      expect(httpRequestC(get)).to.be.instanceOf(AsyncSocket);
      expect(get.version).to.equal('HTTP/1.1');
      expect(post.method).to.equal('POST');
      expect(post.resource).to.equal('/plain');
      expect(post.querystring).to.equal('');
      expect(post.body!.toString()).to.equal('abc');
      expect(abs.resource).to.equal('/abs/path');
      expect(abs.querystring).to.equal('q');
      expect(abs.body).to.equal(null);
      expect(abs.keepAlive).to.equal(false);
    });

    it('reads chunked request bodies, with extensions and trailers', async () => {
      let req: HttpRequest | undefined;
      let reply = '';
      await runLoop(async () => {
        const server = serve((r) => {
          req = r;
          httpResponse(r, { body: `got ${r.body!.length}` });
        });
        const c = await rawConnect(server.port);
        c.send('POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
        c.send('5;ext=1\r\nhello\r\n');
        await sleep(20);
        c.send('7\r\n, world\r\n0\r\nX-Sum: abc\r\n\r\n');
        reply = await c.closed();
        closeHttpServer(server);
      });
      expect(req!.body!.toString()).to.equal('hello, world');
      expect(req!.trailers).to.deep.equal([['x-sum', 'abc']]);
      expect(parseResponses(reply)[0].body).to.equal('got 12');
    });
  });

  describe('CONNECT and Upgrade (not served: answered, then the connection closes)', () => {
    /** Send `request` (with other-protocol bytes after it); what requestCb saw and the raw reply. */
    async function answerOnce(request: string): Promise<{ seen: HttpRequest[]; text: string; events: unknown[] }> {
      const seen: HttpRequest[] = [];
      const events: unknown[] = [];
      let text = '';
      await runLoop(async () => {
        const server = httpServer('127.0.0.1', 0, (req) => {
          seen.push(req);
          httpResponse(req, { status: 405, body: 'no switching' });
        }, (ev) => events.push(ev));
        text = await rawRequest(server.port, request);
        closeHttpServer(server);
      });
      return { seen, text, events };
    }

    it('CONNECT reaches requestCb; the tunnel bytes after it are not parsed as a request', async () => {
      const { seen, text, events } = await answerOnce('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01\x00\x05hello');
      expect(seen.map((r) => [r.method, r.uri, r.keepAlive])).to.deep.equal([['CONNECT', 'example.com:443', false]]);
      const responses = parseResponses(text);
      expect(responses.map((r) => [r.status, r.body, r.headers.connection])).to.deep.equal([[405, 'no switching', 'close']]);
      expect(events).to.deep.equal([]);
    });

    it('an Upgrade request is answered as plain HTTP; what follows it is not read as requests', async () => {
      const upgrade = 'GET /chat HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';
      const { seen, text, events } = await answerOnce(`${upgrade}\x81\x02hiGET /next HTTP/1.1\r\nHost: h\r\n\r\n`);
      expect(seen.map((r) => r.resource)).to.deep.equal(['/chat']);
      expect(parseResponses(text).map((r) => [r.status, r.headers.connection])).to.deep.equal([[405, 'close']]);
      expect(events).to.deep.equal([]);
    });
  });

  describe('responses', () => {
    it('sends status, reason phrase, headers (object or pairs), Date and Content-Length; non-2xx keep their body', async () => {
      let text = '';
      await runLoop(async () => {
        const server = serve((req) => {
          if (req.resource === '/missing') httpResponse(req, { status: 404, headers: [['X-A', '1'], ['X-A', '2']], body: 'no such thing' });
          else httpResponse(req, { status: 201, headers: { 'Content-Type': 'application/json', 'X-N': 5 }, body: Buffer.from('{}') });
        });
        const c = await rawConnect(server.port);
        c.send('GET /missing HTTP/1.1\r\nHost: h\r\n\r\nGET /made HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
        text = await c.closed();
        closeHttpServer(server);
      });
      const [missing, made] = parseResponses(text);
      expect(missing.raw.startsWith('HTTP/1.1 404 Not Found\r\n')).to.equal(true);
      expect(missing.raw).to.include('X-A: 1\r\nX-A: 2\r\n');
      expect(missing.body).to.equal('no such thing');
      expect(missing.headers['content-type']).to.equal('text/plain; charset=utf-8');
      expect(missing.headers.date).to.match(/GMT$/);
      expect(made.raw.startsWith('HTTP/1.1 201 Created\r\n')).to.equal(true);
      expect(made.headers['content-type']).to.equal('application/json');
      expect(made.headers['x-n']).to.equal('5');
      expect(made.headers['content-length']).to.equal('2');
      expect(made.headers.connection).to.equal('close');
      expect(made.body).to.equal('{}');
    });

    it('streams a Readable body chunked, and chunked: true frames a Buffer', async () => {
      let text = '';
      await runLoop(async () => {
        const server = serve((req) => {
          if (req.resource === '/stream') httpResponse(req, { body: Readable.from(['one,', Buffer.from('two,'), '', 'three']) });
          else httpResponse(req, { body: 'framed', chunked: true });
        });
        text = await rawRequest(server.port, 'GET /stream HTTP/1.1\r\nHost: h\r\n\r\nGET /framed HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
        closeHttpServer(server);
      });
      const [streamed, framed] = parseResponses(text);
      expect(streamed.headers['transfer-encoding']).to.equal('chunked');
      expect(streamed.headers['content-length']).to.equal(undefined);
      expect(streamed.raw.endsWith('\r\n\r\n4\r\none,\r\n4\r\ntwo,\r\n5\r\nthree\r\n0\r\n\r\n')).to.equal(true);
      expect(streamed.body).to.equal('one,two,three');
      expect(framed.headers['transfer-encoding']).to.equal('chunked');
      expect(framed.raw.endsWith('6\r\nframed\r\n0\r\n\r\n')).to.equal(true);
    });

    it('reads a Readable body only as fast as the client takes it, and destroys it when the client leaves', async () => {
      const piece = Buffer.alloc(64 * 1024, 'x');
      const limit = 1024; // 64 MiB: more than loopback socket buffers hold
      let produced = 0;
      let body!: Readable;
      let got = 0;
      await runLoop(async () => {
        const server = serve((req) => {
          body = new Readable({
            read() {
              if (produced === limit) this.push(null);
              else {
                produced++;
                this.push(piece);
              }
            },
          });
          httpResponse(req, { body });
        });
        const c = await rawConnect(server.port);
        c.socket.pause();
        c.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
        await sleep(300);
        const stalledAt = produced;
        expect(stalledAt).to.be.lessThan(limit / 2);
        c.socket.resume();
        await c.waitFor((t) => t.length > (stalledAt + 20) * piece.length, 5000);
        got = c.text.length;
        c.destroy();
        await sleep(100);
        closeHttpServer(server);
      });
      expect(got).to.be.greaterThan(0);
      expect(body.destroyed).to.equal(true);
      expect(produced).to.be.lessThan(limit);
    });

    it('a Readable with a Content-Length is sent as is; to an HTTP/1.0 client it is delimited by the close', async () => {
      let text11 = '';
      let text10 = '';
      await runLoop(async () => {
        const server = serve((req) => {
          const body = Readable.from([Buffer.from('abc'), Buffer.from('de')]);
          httpResponse(req, { body, headers: req.resource === '/len' ? { 'Content-Length': '5' } : {} });
        });
        text11 = await rawRequest(server.port, 'GET /len HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
        text10 = await rawRequest(server.port, 'GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
        closeHttpServer(server);
      });
      const [len] = parseResponses(text11);
      expect(len.headers['content-length']).to.equal('5');
      expect(len.body).to.equal('abcde');
      const [old] = parseResponses(text10);
      expect(old.headers['transfer-encoding']).to.equal(undefined);
      expect(old.headers.connection).to.equal('close');
      expect(old.body).to.equal('abcde');
    });

    it('HEAD gets the headers without the body; 204 and 304 get no body', async () => {
      let text = '';
      await runLoop(async () => {
        const server = serve((req) => {
          if (req.resource === '/204') httpResponse(req, { status: 204, body: 'ignored' });
          else if (req.resource === '/304') httpResponse(req, { status: 304 });
          else httpResponse(req, { body: 'twelve bytes' });
        });
        const c = await rawConnect(server.port);
        c.send('HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /204 HTTP/1.1\r\nHost: h\r\n\r\nGET /304 HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
        text = await c.closed();
        closeHttpServer(server);
      });
      const [head, noContent, notModified, get] = parseResponses(text, 1);
      expect(head.headers['content-length']).to.equal('12');
      expect(head.body).to.equal('');
      expect(noContent.status).to.equal(204);
      expect(noContent.headers['content-length']).to.equal(undefined);
      expect(notModified.status).to.equal(304);
      expect(get.body).to.equal('twelve bytes');
    });

    it('req.responded says whether httpResponse has been called for it', async () => {
      const states: boolean[] = [];
      await runLoop(async () => {
        const server = serve((req) => {
          states.push(req.responded);
          delay(() => {
            states.push(req.responded);
            httpResponse(req, { body: 'late' });
            states.push(req.responded);
          }, { time: 0.02 });
        });
        await rawRequest(server.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
        closeHttpServer(server);
      });
      expect(states).to.deep.equal([false, false, true]);
    });

    it('a body stream that fails or is destroyed early: eventCb gets CLASYNC_HTTP_BODY_ERROR and the client sees the close mid-body', async () => {
      const events: unknown[] = [];
      const replies: string[] = [];
      await runLoop(async () => {
        const server = httpServer('127.0.0.1', 0, (req) => {
          const body = new Readable({ read() {} });
          body.push('first part');
          // After the first chunk went out: the response cannot be completed any more.
          delay(() => body.destroy(req.resource === '/fail' ? new Error('disk on fire') : undefined), { time: 0.03 });
          httpResponse(req, { body });
        }, (ev) => events.push(ev));
        for (const path of ['/fail', '/destroyed']) replies.push(await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`));
        closeHttpServer(server);
      });
      for (const reply of replies) {
        expect(reply).to.match(/\r\nTransfer-Encoding: chunked\r\n/);
        // The first chunk, and no last chunk: the client can tell the body is cut short.
        expect(reply.endsWith('\r\n\r\na\r\nfirst part\r\n')).to.equal(true);
      }
      expect(events.map((e) => (e as HttpError).code)).to.deep.equal(['CLASYNC_HTTP_BODY_ERROR', 'CLASYNC_HTTP_BODY_ERROR']);
      expect(events.map((e) => ((e as HttpError).cause as Error).message)).to.deep.equal(['disk on fire', 'response body stream closed before its end']);
      expect((events[0] as HttpError).socket).to.be.instanceOf(AsyncSocket);
    });

    it('answering twice throws; answering after the client left does nothing', async () => {
      let second: unknown;
      await runLoop(async () => {
        const server = serve((req) => {
          httpResponse(req, { body: 'once' });
          try {
            httpResponse(req, { body: 'twice' });
          } catch (err) {
            second = err;
          }
        });
        await rawRequest(server.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
        const late = serve((req) => {
          req.c.shutdown(true);
          delay(() => httpResponse(req, { body: Readable.from(['x']) }), { time: 0.05 });
        });
        await rawRequest(late.port, 'GET / HTTP/1.1\r\n\r\n');
        await sleep(100);
        closeHttpServer(server);
        closeHttpServer(late);
      });
      expect(second).to.be.instanceOf(Error);
      expect((second as Error).message).to.match(/already answered/);
    });

    it('a response it cannot send (bad status, body or header) throws at the call, sends nothing, and the request can still be answered', async () => {
      const thrown: unknown[] = [];
      let text = '';
      await runLoop(async () => {
        const server = serve((req) => {
          const attempts: HttpResponseOptions[] = [
            { status: 101 },
            { status: 1000 },
            { status: 200.5 },
            { body: 42 as unknown as string },
            { headers: { 'bad name': 'x' } },
            { headers: { 'X-Split': 'a\r\nSet-Cookie: evil=1' } },
          ];
          for (const options of attempts) {
            try {
              httpResponse(req, options);
            } catch (err) {
              thrown.push(err);
            }
          }
          expect(req.responded).to.equal(false);
          httpResponse(req, { status: 201, body: 'fine' });
        });
        text = await rawRequest(server.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
        closeHttpServer(server);
      });
      expect(thrown.map((e) => (e as Error).constructor.name)).to.deep.equal(['RangeError', 'RangeError', 'RangeError', 'TypeError', 'HttpError', 'HttpError']);
      expect((thrown[4] as HttpError).code).to.equal('CLASYNC_HTTP_INVALID_HEADER');
      expect(text).to.match(/^HTTP\/1\.1 201 /);
      expect(text).to.match(/\r\n\r\nfine$/);
      expect(text).to.not.match(/evil/);
    });
  });

  describe('connections', () => {
    it('keeps HTTP/1.1 connections alive and answers pipelined requests in order, even when answered out of order', async () => {
      let text = '';
      const sockets = new Set<AsyncSocket>();
      await runLoop(async () => {
        const server = serve((req) => {
          sockets.add(req.c);
          // The first request is answered last.
          const wait = req.resource === '/1' ? 0.1 : 0;
          delay(() => httpResponse(req, { body: `answer${req.resource}` }), { time: wait });
        });
        const c = await rawConnect(server.port);
        c.send('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n');
        await c.waitFor((t) => t.includes('answer/2'));
        c.send('GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
        text = await c.closed();
        closeHttpServer(server);
      });
      expect(parseResponses(text).map((r) => r.body)).to.deep.equal(['answer/1', 'answer/2', 'answer/3']);
      expect(sockets.size).to.equal(1);
    });

    it('answers many pipelined requests (more than it reads ahead) in order, sync or async', async () => {
      const n = 40;
      let sync = '';
      let async = '';
      const batch = (close: boolean): string =>
        Array.from({ length: n }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: h\r\n${close && i === n - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('');
      await runLoop(async () => {
        const now = serve((req) => httpResponse(req, { body: req.resource }));
        const later = serve((req) => delay(() => httpResponse(req, { body: req.resource }), { time: Math.random() * 0.02 }));
        sync = await rawRequest(now.port, batch(true));
        async = await rawRequest(later.port, batch(true));
        closeHttpServer(now);
        closeHttpServer(later);
      });
      const want = Array.from({ length: n }, (_, i) => `/${i}`);
      expect(parseResponses(sync).map((r) => r.body)).to.deep.equal(want);
      expect(parseResponses(async).map((r) => r.body)).to.deep.equal(want);
    });

    it('answers 500 when requestCb throws before answering (the error goes where catchAppErrors says)', async () => {
      let text = '';
      const events: unknown[] = [];
      await runLoop(
        async () => {
          const server = httpServer('127.0.0.1', 0, () => {
            throw new Error('app bug');
          }, (ev) => events.push(ev));
          text = await rawRequest(server.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
          closeHttpServer(server);
        },
        { catchAppErrors: true },
      );
      expect(parseResponses(text)[0].status).to.equal(500);
      expect(events).to.have.length(1);
      expect((events[0] as Error).message).to.equal('app bug');
    });

    it('HTTP/1.0 closes after the response unless it asked for keep-alive', async () => {
      let plain = '';
      let kept = '';
      await runLoop(async () => {
        const server = serve((req) => httpResponse(req, { body: 'x' }));
        plain = await rawRequest(server.port, 'GET / HTTP/1.0\r\n\r\n');
        const c = await rawConnect(server.port);
        c.send('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
        await c.waitFor((t) => t.endsWith('\r\n\r\nx'));
        c.send('GET / HTTP/1.0\r\n\r\n');
        kept = await c.closed();
        closeHttpServer(server);
      });
      expect(parseResponses(plain)[0].headers.connection).to.equal('close');
      const [first, second] = parseResponses(kept);
      expect(first.headers.connection).to.equal('keep-alive');
      expect(second.headers.connection).to.equal('close');
    });

    it('sends 100 Continue to a client that expects it', async () => {
      let text = '';
      await runLoop(async () => {
        const server = serve((req) => httpResponse(req, { body: req.body! }));
        const c = await rawConnect(server.port);
        c.send('PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\nConnection: close\r\n\r\n');
        await c.waitFor((t) => t.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
        c.send('data');
        text = await c.closed();
        closeHttpServer(server);
      });
      const [interim, final] = parseResponses(text);
      expect(interim.status).to.equal(100);
      expect(final.body).to.equal('data');
    });

    it('counts open connections in stats().incomingHttpConnections', async () => {
      const counts: number[] = [];
      await runLoop(async () => {
        const server = serve((req) => httpResponse(req, {}));
        counts.push(stats().incomingHttpConnections);
        const a = await rawConnect(server.port);
        const b = await rawConnect(server.port);
        await until(() => stats().incomingHttpConnections === 2);
        counts.push(stats().incomingHttpConnections);
        a.destroy();
        b.send('GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
        await b.closed();
        await until(() => stats().incomingHttpConnections === 0);
        counts.push(stats().incomingHttpConnections);
        closeHttpServer(server);
      });
      expect(counts).to.deep.equal([0, 2, 0]);
    });

    it('refuses connections beyond maxConnections', async () => {
      let third = '';
      let first = '';
      await runLoop(async () => {
        const server = serve((req) => httpResponse(req, { body: 'hi' }), { maxConnections: 2 });
        const a = await rawConnect(server.port);
        const b = await rawConnect(server.port);
        await until(() => server.connectionCount === 2);
        third = await rawRequest(server.port, 'GET / HTTP/1.1\r\n\r\n');
        a.send('GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
        first = await a.closed();
        b.destroy();
        closeHttpServer(server);
      });
      expect(third).to.equal('');
      expect(parseResponses(first)[0].body).to.equal('hi');
    });

    it('knows its bound address and port; the address is undefined once closed', async () => {
      const seen: unknown[] = [];
      await runLoop(() => {
        const server = serve(() => {});
        seen.push(server.address, server.port > 0);
        closeHttpServer(server);
        seen.push(server.address);
      });
      expect(seen).to.deep.equal(['127.0.0.1', true, undefined]);
    });

    it("an unref'd server does not keep the loop alive and is closed at exit; ref() undoes it", async () => {
      let quiet!: HttpServer;
      const start = Date.now();
      await runLoop(() => {
        quiet = serve(() => {});
        unref(quiet);
      });
      expect(Date.now() - start).to.be.below(1000);
      expect(httpServerClosed(quiet)).to.equal(true);
      let reply: Promise<string> | undefined;
      await runLoop(() => {
        const server = serve((req) => {
          httpResponse(req, { body: 'still here' });
          closeHttpServer(server);
        });
        unref(server);
        ref(server);
        // A client from outside the loop, a little later: only the server can keep the loop up until then.
        setTimeout(() => (reply = rawRequest(server.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n')), 30);
      });
      expect(reply, 'the loop ended before the client came').to.not.equal(undefined);
      expect(parseResponses(await reply!)[0].body).to.equal('still here');
    });

    it('throws SocketAddressInUse when the port is taken', async () => {
      let err: unknown;
      await runLoop(() => {
        const server = serve(() => {});
        try {
          httpServer('127.0.0.1', server.port, () => {});
        } catch (e) {
          err = e;
        }
        closeHttpServer(server);
      });
      expect(err).to.be.instanceOf(SocketAddressInUse);
    });

    it('is closed with its connections when the loop exits', async () => {
      const baseline = await resourceBaseline();
      let server!: HttpServer;
      await runLoop(async () => {
        server = serve(() => {
          /* never answered */
        });
        const c = await rawConnect(server.port);
        c.send('GET / HTTP/1.1\r\n\r\n');
        await sleep(30);
        exitEventLoop();
      });
      expect(server.closed).to.equal(true);
      await baseline.check();
    });
  });

  describe('faults and limits', () => {
    it('answers garbage with 400 and closes; the HttpParseError goes to eventCb', async () => {
      let text = '';
      const events: unknown[] = [];
      await runLoop(async () => {
        const server = httpServer('127.0.0.1', 0, () => {}, (ev) => events.push(ev));
        text = await rawRequest(server.port, 'this is not http\r\n\r\n');
        closeHttpServer(server);
      });
      expect(parseResponses(text)[0].status).to.equal(400);
      expect(events).to.have.length(1);
      expect(events[0]).to.be.instanceOf(HttpParseError);
      expect((events[0] as HttpParseError).code).to.match(/^HPE_/);
      expect((events[0] as HttpParseError).socket).to.be.instanceOf(AsyncSocket);
    });

    it('answers earlier pipelined requests before the 400', async () => {
      let text = '';
      await runLoop(async () => {
        const server = httpServer('127.0.0.1', 0, (req) => delay(() => httpResponse(req, { body: 'fine' }), { time: 0.05 }), () => {});
        text = await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n');
        closeHttpServer(server);
      });
      expect(parseResponses(text).map((r) => r.status)).to.deep.equal([200, 400]);
    });

    it('answers an oversized head with 431', async () => {
      let text = '';
      await runLoop(async () => {
        const server = httpServer('127.0.0.1', 0, () => {}, () => {}, { maxHeaderSize: 1024 });
        text = await rawRequest(server.port, `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`);
        closeHttpServer(server);
      });
      expect(parseResponses(text)[0].status).to.equal(431);
    });

    it('answers a body over maxBodySize with 413 (by Content-Length and while chunked)', async () => {
      let byLength = '';
      let byChunks = '';
      const events: unknown[] = [];
      const requestCb = calledOnce((req: HttpRequest) => httpResponse(req, { body: 'small is fine' }));
      await runLoop(async () => {
        const server = httpServer('127.0.0.1', 0, requestCb, (ev) => events.push(ev), { maxBodySize: 10 });
        byLength = await rawRequest(server.port, 'POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n01234567890');
        const c = await rawConnect(server.port);
        c.send('POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc');
        await c.waitFor((t) => t.includes('small is fine'));
        c.send('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n678901\r\n0\r\n\r\n');
        byChunks = await c.closed();
        closeHttpServer(server);
      });
      requestCb.check();
      expect(parseResponses(byLength)[0].status).to.equal(413);
      expect(parseResponses(byChunks).map((r) => r.status)).to.deep.equal([200, 413]);
      expect(events).to.have.length(2);
      expect(events.every((e) => e instanceof HttpError && (e as HttpError).code === 'HPE_BODY_TOO_LARGE')).to.equal(true);
    });

    it('closes a client that stalls in its request head (408) while another client is served', async () => {
      let stalled = '';
      let served = '';
      let stalledAfter = 0;
      const events: unknown[] = [];
      await runLoop(async () => {
        const server = httpServer('127.0.0.1', 0, (req) => httpResponse(req, { body: 'served' }), (ev) => events.push(ev), { idleTimeout: 0.3 });
        const slow = await rawConnect(server.port);
        const start = Date.now();
        slow.send('GET / HTTP/1.1\r\nHost: h\r\n');
        // Trickle header lines: data alone does not extend the deadline.
        const trickle = setInterval(() => slow.send('X-Slow: 1\r\n'), 50);
        served = await rawRequest(server.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
        stalled = await slow.closed(3000);
        clearInterval(trickle);
        stalledAfter = (Date.now() - start) / 1000;
        closeHttpServer(server);
      });
      expect(parseResponses(served)[0].body).to.equal('served');
      expect(parseResponses(stalled)[0].status).to.equal(408);
      expect(stalledAfter).to.be.within(0.25, 1.5);
      expect(events).to.have.length(1);
      expect(events[0]).to.be.instanceOf(HttpTimeout);
    });

    it('closes an idle keep-alive connection after idleTimeout, quietly', async () => {
      let text = '';
      const events: unknown[] = [];
      await runLoop(async () => {
        const server = httpServer('127.0.0.1', 0, (req) => httpResponse(req, { body: 'x' }), (ev) => events.push(ev), { idleTimeout: 0.2 });
        const c = await rawConnect(server.port);
        c.send('GET / HTTP/1.1\r\n\r\n');
        text = await c.closed(2000);
        closeHttpServer(server);
      });
      expect(parseResponses(text)).to.have.length(1);
      expect(events).to.deep.equal([]);
    });
  });

  describe('closeHttpServer', () => {
    it('is graceful and idempotent: in-flight requests are answered with Connection: close, idle connections close, new ones are refused', async () => {
      let inFlight = '';
      let idleClosed = '';
      let refused: unknown;
      await runLoop(async () => {
        const server = serve((req) => delay(() => httpResponse(req, { body: 'late' }), { time: 0.1 }));
        const busy = await rawConnect(server.port);
        const idle = await rawConnect(server.port);
        busy.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
        await sleep(30);
        closeHttpServer(server);
        closeHttpServer(server);
        idleClosed = await idle.closed(1000);
        inFlight = await busy.closed(2000);
        try {
          await rawConnect(server.port);
        } catch (err) {
          refused = err;
        }
      });
      const [response] = parseResponses(inFlight);
      expect(response.body).to.equal('late');
      expect(response.headers.connection).to.equal('close');
      expect(idleClosed).to.equal('');
      expect((refused as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
    });
  });

  describe('with httpRequest (our client)', () => {
    it('serves several requests over one reused keep-alive connection', async () => {
      const sockets = new Set<AsyncSocket>();
      const bodies: unknown[] = [];
      await runLoop(async () => {
        const server = serve((req) => {
          sockets.add(req.c);
          httpResponse(req, { headers: { 'Content-Type': 'text/plain' }, body: `${req.method} ${req.uri} ${req.body?.toString() ?? '-'}` });
        });
        const url = `http://127.0.0.1:${server.port}`;
        bodies.push(await httpRequest(`${url}/a`));
        bodies.push(await httpRequest(`${url}/b`, { method: 'POST', content: 'payload' }));
        bodies.push(await httpRequest(`${url}/c`, { parameters: [['q', 'x y']] }));
        closeHttpServer(server);
      });
      expect(bodies).to.deep.equal(['GET /a -', 'POST /b payload', 'GET /c?q=x+y -']);
      expect(sockets.size).to.equal(1);
    });
  });
});
