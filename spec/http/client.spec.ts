import { expect } from 'chai';
import { HttpEof, HttpParseError, HttpRefused, HttpTimeout } from '../../src/errors';
import { headerValue, HeaderList } from '../../src/http/headers';
import { httpClient } from '../../src/http/client';
import { closeHttpServer, HttpRequest, httpResponse, httpServer } from '../../src/http/server';
import { calledOnce, never, runLoop } from '../support/loop';
import { freePort } from '../support/sockets';
import { rawPeer, Peer } from './support';

describe('httpClient (2012 HTTP module)', () => {
  let peer: Peer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  it('cl-async test: http-simple-client-server (GET bodies reach the server: issue #39 fixed)', async () => {
    let serverReqs = 0;
    let serverData = '';
    let clientReplies = 0;
    let clientData = '';
    await runLoop(() => {
      const server = httpServer('127.0.0.1', 0, (req: HttpRequest) => {
        serverReqs++;
        serverData += req.body?.toString() ?? '';
        httpResponse(req, { body: 'thxlol ' });
      });
      const requestCb = (status: number, headers: HeaderList, body: Buffer | null): void => {
        expect(status).to.equal(200);
        expect(headers).to.be.an('array');
        clientReplies++;
        clientData += body!.toString();
        if (clientReplies === 2) closeHttpServer(server);
      };
      httpClient(`http://127.0.0.1:${server.port}/`, requestCb, never('eventCb'), { body: 'hai ' });
      httpClient(`http://localhost:${server.port}/`, requestCb, never('eventCb'), { body: 'hai ' });
    });
    expect(serverReqs).to.equal(2);
    expect(serverData).to.equal('hai hai ');
    expect(clientReplies).to.equal(2);
    expect(clientData).to.equal('thxlol thxlol ');
  });

  it('cl-async test: http-connect-fail (a closed local port): HttpRefused reaches eventCb once', async () => {
    const port = await freePort();
    const eventCb = calledOnce((ev: unknown) => {
      expect(ev).to.be.instanceOf(HttpRefused);
      expect((ev as HttpRefused).code).to.equal('ECONNREFUSED');
    });
    await runLoop(() => {
      httpClient(`http://127.0.0.1:${port}`, never('requestCb'), eventCb, { body: 'hai', timeout: 1 });
    });
    eventCb.check();
  });

  it('sends method, headers (Host from the URI unless given), body, and always Connection: close', async () => {
    const seen: string[] = [];
    peer = await rawPeer((socket, request) => {
      seen.push(request);
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nX-Thing: yes\r\n\r\nnope');
    });
    const got: Array<[number, HeaderList, Buffer | null]> = [];
    await runLoop(() => {
      const cb = (status: number, headers: HeaderList, body: Buffer | null): void => void got.push([status, headers, body]);
      httpClient(`${peer!.url}/p?q=1`, cb, never('eventCb'), {
        method: 'PUT',
        headers: { 'X-Mine': 'a', Connection: 'keep-alive' },
        body: Buffer.from('bytes'),
      });
      httpClient(`${peer!.url}/h`, cb, never('eventCb'), { headers: [['Host', 'example.test']] });
    });
    const put = seen.find((r) => r.startsWith('PUT'))!;
    expect(put.startsWith('PUT /p?q=1 HTTP/1.1\r\n')).to.equal(true);
    expect(put).to.match(/\r\nHost: 127\.0\.0\.1:\d+\r\n/);
    expect(put).to.include('\r\nX-Mine: a\r\n');
    expect(put).to.include('\r\nConnection: close\r\n');
    expect(put).not.to.include('keep-alive');
    expect(put.endsWith('\r\n\r\nbytes')).to.equal(true);
    const get = seen.find((r) => r.startsWith('GET'))!;
    expect(get).to.include('\r\nHost: example.test\r\n');
    expect(get.match(/host:/gi)).to.have.length(1);
    // Non-2xx still go to requestCb, with the body as bytes.
    expect(got).to.have.length(2);
    for (const [status, headers, body] of got) {
      expect(status).to.equal(404);
      expect(headerValue('x-thing', headers)).to.equal('yes');
      expect(Buffer.isBuffer(body)).to.equal(true);
      expect(body!.toString()).to.equal('nope');
    }
  });

  it('gives null for an empty body', async () => {
    peer = await rawPeer((socket) => socket.end('HTTP/1.1 204 No Content\r\n\r\n'));
    let body: unknown = 'unset';
    await runLoop(() => {
      httpClient(peer!.url, (_s, _h, b) => (body = b), never('eventCb'));
    });
    expect(body).to.equal(null);
  });

  it('reports HttpTimeout, HttpEof and HttpParseError to eventCb', async () => {
    const events: unknown[] = [];
    peer = await rawPeer((socket, request) => {
      if (request.startsWith('GET /slow')) return; // never answers
      if (request.startsWith('GET /cut')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n');
    });
    await runLoop(() => {
      for (const path of ['/slow', '/cut', '/bad']) {
        httpClient(`${peer!.url}${path}`, never('requestCb'), (ev) => events.push(ev), { timeout: 0.3 });
      }
    });
    expect(events).to.have.length(3);
    expect(events.some((e) => e instanceof HttpTimeout)).to.equal(true);
    expect(events.some((e) => e instanceof HttpEof)).to.equal(true);
    expect(events.some((e) => e instanceof HttpParseError)).to.equal(true);
  });
});
