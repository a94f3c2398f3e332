import { expect } from 'chai';
import net from 'node:net';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { AsyncIoStream } from '../../src/async-stream';
import { HttpEof, HttpParseError, HttpRefused, HttpTimeout, TcpSslError } from '../../src/errors';
import { stats } from '../../src/event-loop';
import { httpClientStream, HttpClientStreamOptions, HttpResponseStream } from '../../src/http/client-stream';
import { closeHttpServer, httpResponse, httpServer } from '../../src/http/server';
import { AsyncSocket } from '../../src/socket';
import { never, runLoop } from '../support/loop';
import { resourceBaseline } from '../support/sockets';

const TLS = join(__dirname, '../fixtures/tls');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  /** The complete response, read back with readSequence. */
  bytes: Buffer | null;
  events: unknown[];
  requestCalls: number;
  stream: HttpResponseStream | null;
  /** What readSequence gave after the bytes. */
  after: number;
}

/** One exchange in its own loop: write `request` into the stream, read the response back. */
async function exchange(url: string, request: string | Buffer, options: HttpClientStreamOptions = {}): Promise<Outcome> {
  const outcome: Outcome = { bytes: null, events: [], requestCalls: 0, stream: null, after: -1 };
  await runLoop(() => {
    const out = httpClientStream(
      url,
      (stream) => {
        outcome.requestCalls++;
        outcome.stream = stream;
        const buf = Buffer.alloc(1 << 20);
        let n = 0;
        for (let got = -1; got !== 0; n += got) got = stream.readSequence(buf, n);
        outcome.bytes = Buffer.from(buf.subarray(0, n));
        outcome.after = stream.readSequence(buf);
      },
      (ev) => outcome.events.push(ev),
      options,
    );
    expect(out).to.be.instanceOf(AsyncIoStream);
    out.write(request);
  });
  return outcome;
}

/** A raw peer: once a request head has arrived, `script(socket, request)` answers it. */
async function scripted(script: (socket: net.Socket, request: string) => void | Promise<void>): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let text = '';
    let answered = false;
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (!answered && text.includes('\r\n\r\n')) {
        answered = true;
        void script(socket, text);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Write `parts` with a pause between them (so they arrive as separate reads), optionally ending. */
async function writeParts(socket: net.Socket, parts: Array<string | Buffer>, end = false, gap = 15): Promise<void> {
  for (const part of parts) {
    if (socket.destroyed) return;
    socket.write(part);
    await sleep(gap);
  }
  if (end) socket.end();
}

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
const HEAD = 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n';

describe('httpClientStream (2012 http-stream)', () => {
  let peer: { url: string; port: number; close(): Promise<void> } | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  /** The peer sends `parts` (separate reads) and keeps the connection open unless `end`. */
  async function respond(parts: Array<string | Buffer>, request = GET, end = false): Promise<Outcome> {
    peer = await scripted((socket) => writeParts(socket, parts, end));
    return exchange(peer.url, request, { timeout: 3 });
  }

  function expectComplete(outcome: Outcome, expected: string | Buffer): void {
    expect(outcome.events, 'events').to.deep.equal([]);
    expect(outcome.requestCalls).to.equal(1);
    const want = typeof expected === 'string' ? Buffer.from(expected, 'latin1') : expected;
    expect(outcome.bytes!.toString('latin1')).to.equal(want.toString('latin1'));
    expect(outcome.after).to.equal(0);
  }

  describe('against httpServer', () => {
    it('hands requestCb a stream with the complete response, exactly as received', async () => {
      const baseline = await resourceBaseline();
      let wire = '';
      let outcome: Outcome | undefined;
      const counts: number[] = [];
      await runLoop(() => {
        const server = httpServer('127.0.0.1', 0, (req) => httpResponse(req, { headers: { Date: 'Thu, 01 Jan 1970 00:00:00 GMT' }, body: `you asked for ${req.uri}` }));
        const out = httpClientStream(
          `http://127.0.0.1:${server.port}/x`,
          (stream) => {
            const chunks: Buffer[] = [];
            for (let chunk; (chunk = stream.read()) !== null; ) chunks.push(chunk as Buffer);
            wire = Buffer.concat(chunks).toString('latin1');
            outcome = { bytes: null, events: [], requestCalls: 1, stream, after: 0 };
            counts.push(stats().outgoingHttpConnections);
            closeHttpServer(server);
          },
          (ev) => {
            throw ev;
          },
        );
        counts.push(stats().outgoingHttpConnections);
        out.writeSequence('GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      });
      expect(wire).to.equal(
        'HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 16\r\n\r\nyou asked for /x',
      );
      expect(outcome!.stream).to.be.instanceOf(HttpResponseStream);
      expect(counts[0]).to.equal(1);
      await baseline.check();
    });

    it('streams a chunked response from httpServer to completion; the stream is async-iterable', async () => {
      let text = '';
      await runLoop(() => {
        const server = httpServer('127.0.0.1', 0, (req) => httpResponse(req, { body: 'chunky', chunked: true }));
        const out = httpClientStream(`http://127.0.0.1:${server.port}/`, async (stream) => {
          for await (const chunk of stream) text += (chunk as Buffer).toString('latin1');
          closeHttpServer(server);
        });
        out.end(GET);
      });
      expect(text.startsWith('HTTP/1.1 200 OK\r\n')).to.equal(true);
      expect(text.endsWith('\r\n\r\n6\r\nchunky\r\n0\r\n\r\n')).to.equal(true);
    });
  });

  describe('2012-compatible cases', () => {
    const cl = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';

    it('Content-Length, in one read', async () => {
      expectComplete(await respond([cl]), cl);
    });

    it('Content-Length, the body split across reads', async () => {
      expectComplete(await respond(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe', 'llo']), cl);
    });

    it('Content-Length: 0', async () => {
      const text = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
      expectComplete(await respond([text]), text);
    });

    it('the status line split across reads', async () => {
      expectComplete(await respond(['HTTP/1.1 200 O', 'K\r\nContent-Length: 5\r\n\r\nhello']), cl);
    });

    it('chunked, in one read and split inside the data', async () => {
      const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
      expectComplete(await respond([text]), text);
      await peer!.close();
      expectComplete(
        await respond(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', 'lo\r\n', '0\r\n\r\n']),
        text,
      );
    });

    it('Transfer-Encoding: Chunked (case-insensitive)', async () => {
      const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
      expectComplete(await respond([text]), text);
    });

    it('100 Continue before the response is kept in the bytes', async () => {
      const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
      expectComplete(await respond(['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']), text);
    });

    it('a 20,000-byte body over several reads', async () => {
      const body = Buffer.alloc(20000, 'z');
      const head = 'HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n';
      expectComplete(await respond([head + body.subarray(0, 7000).toString(), body.subarray(7000).toString()]), head + body.toString());
    });

    it('requestCb is called exactly once, and HttpTimeout on a read timeout', async () => {
      peer = await scripted(() => {
        /* never answers */
      });
      const start = Date.now();
      const outcome = await exchange(peer.url, GET, { timeout: 0.3 });
      expect(outcome.requestCalls).to.equal(0);
      expect(outcome.events).to.have.length(1);
      expect(outcome.events[0]).to.be.instanceOf(HttpTimeout);
      expect((outcome.events[0] as HttpTimeout).code).to.match(/TIMEOUT/);
      expect((Date.now() - start) / 1000).to.be.within(0.25, 2);
    });
  });

  describe('fixed cases (2012 got these wrong)', () => {
    it('headers split across reads', async () => {
      expectComplete(
        await respond(['HTTP/1.1 200 OK\r\nContent-Le', 'ngth: 5\r\n\r\nhello']),
        'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
      );
    });

    it('an empty header block (204), without waiting for the close', async () => {
      const text = 'HTTP/1.1 204 No Content\r\n\r\n';
      expectComplete(await respond([text]), text);
    });

    it('a chunk-size line split across reads', async () => {
      const data = 'abcdefghijklmnopqrstuvwxyz';
      expectComplete(
        await respond(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1', `a\r\n${data}\r\n0\r\n\r\n`]),
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\n${data}\r\n0\r\n\r\n`,
      );
    });

    it('chunk extensions, and trailers that arrive later', async () => {
      const parts = ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y;q="a b"\r\nhello\r\n0\r\n', 'X-Trailer: 1\r\n', '\r\n'];
      expectComplete(await respond(parts), parts.join(''));
    });

    it('waits for the final CRLF after the last chunk', async () => {
      const outcome = await respond(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n'], GET, true);
      // The peer closed before the message ended: incomplete, not a truncated success.
      expect(outcome.requestCalls).to.equal(0);
      expect(outcome.events).to.have.length(1);
      expect(outcome.events[0]).to.be.instanceOf(HttpEof);
    });

    it('a body delimited by the close completes at EOF, with no spurious HttpEof', async () => {
      const text = 'HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody that runs until the close';
      expectComplete(await respond(['HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody that ', 'runs until the close'], GET, true), text);
    });

    it('HEAD (read off the request line) completes at once despite Content-Length', async () => {
      const text = 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n';
      expectComplete(await respond([text], HEAD), text);
    });

    it('304 with a Content-Length completes at once', async () => {
      const text = 'HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\nETag: "x"\r\n\r\n';
      expectComplete(await respond([text]), text);
    });

    it('bytes after the response are not part of it', async () => {
      expectComplete(await respond(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA']), 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
      await peer!.close();
      expectComplete(
        await respond(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n']),
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      );
    });

    it('a 101 Switching Protocols ends with its header section; the new protocol\'s bytes are not part of it', async () => {
      const upgrade = 'GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';
      const head = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';
      // Without the upgrade ending the response, this would wait for the 3 s timeout.
      expectComplete(await respond([`${head}\x81\x02hi`], upgrade), head);
    });

    it('a 2xx to CONNECT ends with its header section (the tunnel is not carried)', async () => {
      const connect = 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n';
      const head = 'HTTP/1.1 200 Connection Established\r\n\r\n';
      expectComplete(await respond([`${head}\x16\x03\x01`], connect), head);
    });

    it('Content-Length:5 without a space, and values are kept as sent', async () => {
      const text = 'HTTP/1.1 200 OK\r\nContent-Length:5\r\nServer: sws\r\nX-Ver: 1.5\r\n\r\nhello';
      expectComplete(await respond([text]), text);
    });

    it('split writes of one byte at a time (chunked with extensions and trailers)', async () => {
      const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n';
      expectComplete(await respond(text.split(''), GET, false), text);
    }).timeout(20000);

    it('the request may be written one byte at a time too (HEAD still recognised)', async () => {
      const text = 'HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n';
      peer = await scripted((socket) => void socket.write(text));
      const outcome: Outcome = { bytes: null, events: [], requestCalls: 0, stream: null, after: 0 };
      await runLoop(() => {
        const out = httpClientStream(
          peer!.url,
          (stream) => {
            outcome.requestCalls++;
            outcome.bytes = stream.read() as Buffer;
          },
          (ev) => outcome.events.push(ev),
        );
        for (const byte of HEAD) out.writeByte(byte.charCodeAt(0));
      });
      expect(outcome.events).to.deep.equal([]);
      expect(outcome.bytes!.toString('latin1')).to.equal(text);
    });
  });

  describe('the response stream', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi';

    /** Answer GET with `text`; `use(stream)` runs in requestCb. */
    async function withStream(use: (stream: HttpResponseStream) => void): Promise<void> {
      peer = await scripted((socket) => void socket.write(text));
      await runLoop(() => httpClientStream(peer!.url, use, never('eventCb')).write(GET));
    }

    it('readByte gives the response a byte at a time, then eof; streamish is the connection', async () => {
      const got: Array<number | 'eof'> = [];
      let stream: HttpResponseStream | undefined;
      await withStream((s) => {
        stream = s;
        for (let b: number | 'eof' = 0; b !== 'eof'; ) got.push((b = s.readByte()));
      });
      expect(got.pop()).to.equal('eof');
      expect(Buffer.from(got as number[]).toString('latin1')).to.equal(text);
      // cl-async v0.6 code says (streamish stream).
      expect(stream!.streamish).to.be.instanceOf(AsyncSocket).and.equal(stream!.socket);
    });

    it('close() drops what is unread: readByte gives eof and readSequence 0 afterwards', async () => {
      const seen: unknown[] = [];
      await withStream((s) => {
        seen.push(s.readByte());
        s.close();
        seen.push(s.readByte(), s.readSequence(Buffer.alloc(64)), s.destroyed, s.socket.closed);
      });
      expect(seen).to.deep.equal(['H'.charCodeAt(0), 'eof', 0, true, true]);
    });
  });

  describe('errors', () => {
    it('HttpRefused for a closed port', async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as net.AddressInfo;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const outcome = await exchange(`http://127.0.0.1:${port}/`, GET);
      expect(outcome.requestCalls).to.equal(0);
      expect(outcome.events).to.have.length(1);
      expect(outcome.events[0]).to.be.instanceOf(HttpRefused);
    });

    it('HttpEof when the peer closes before responding, or in the middle of a body', async () => {
      peer = await scripted((socket) => void socket.end());
      const silent = await exchange(peer.url, GET);
      expect(silent.requestCalls).to.equal(0);
      expect(silent.events).to.have.length(1);
      expect(silent.events[0]).to.be.instanceOf(HttpEof);
      await peer.close();
      const cut = await respond(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'], GET, true);
      expect(cut.requestCalls).to.equal(0);
      expect(cut.events).to.have.length(1);
      expect(cut.events[0]).to.be.instanceOf(HttpEof);
    });

    it('HttpParseError for malformed or ambiguous framing, and the connection is closed', async () => {
      let closedByUs = false;
      peer = await scripted((socket) => {
        socket.on('end', () => (closedByUs = true));
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok');
      });
      const outcome = await exchange(peer.url, GET);
      expect(outcome.requestCalls).to.equal(0);
      expect(outcome.events).to.have.length(1);
      expect(outcome.events[0]).to.be.instanceOf(HttpParseError);
      expect((outcome.events[0] as HttpParseError).code).to.equal('HPE_CL_TE_CONFLICT');
      await sleep(20);
      expect(closedByUs).to.equal(true);
      await peer.close();
      const garbage = await respond(['SSH-2.0-OpenSSH\r\n']);
      expect(garbage.events[0]).to.be.instanceOf(HttpParseError);
    });

    it('an invalid URI or scheme throws at the call', async () => {
      const errors: unknown[] = [];
      await runLoop(() => {
        for (const uri of ['not a uri', 'ftp://127.0.0.1/']) {
          try {
            httpClientStream(uri, () => {}, () => {});
          } catch (err) {
            errors.push(err);
          }
        }
      });
      expect(errors).to.have.length(2);
    });
  });

  describe('https', () => {
    let server: tls.Server | undefined;
    afterEach(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    });

    async function tlsPeer(): Promise<number> {
      server = tls.createServer({ cert: readFileSync(join(TLS, 'server.pem')), key: readFileSync(join(TLS, 'server-key.pem')) }, (socket) => {
        socket.on('error', () => {});
        socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret'));
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      return (server.address() as net.AddressInfo).port;
    }

    it('speaks TLS, verifying the server against the given CA', async () => {
      const port = await tlsPeer();
      const outcome = await exchange(`https://localhost:${port}/`, GET, { ca: join(TLS, 'ca.pem') });
      expectComplete(outcome, 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret');
    });

    it('verification is on by default: an unknown CA is a TcpSslError', async () => {
      const port = await tlsPeer();
      const outcome = await exchange(`https://127.0.0.1:${port}/`, GET);
      expect(outcome.requestCalls).to.equal(0);
      expect(outcome.events).to.have.length(1);
      expect(outcome.events[0]).to.be.instanceOf(TcpSslError);
    });
  });
});
