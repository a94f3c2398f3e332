/**
 * Misbehaving HTTP peers (the scripted `faultPeer`): each fault rejects the request's Future
 * exactly once with its documented condition, the connection is closed and never reused (the
 * next request to the same origin opens a new one and succeeds), every `stats()` counter is
 * back to zero, no Node handle is left, and the loop finishes on its own.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { HttpEof, HttpError, HttpTimeout, TcpSslError } from '../../src/errors';
import { delay } from '../../src/event';
import { currentLoop, EventLoop } from '../../src/event-loop';
import { httpRequest, HttpRequestOptions } from '../../src/http/request';
import { AsyncSocket, socketClosedP } from '../../src/socket';
import { closeTcpServer } from '../../src/tcp';
import { tcpSslConnect, tcpSslServer } from '../../src/tls';
import {
  awaitRequest,
  closeConnection,
  faultPeer,
  FaultPeer,
  FaultPeerOptions,
  halfClose,
  okResponse,
  resetAfter,
  send,
  stall,
  Step,
  trickle,
  wait,
} from '../support/fault-peer';
import { calledOnce, never, runLoop, secondsSince } from '../support/loop';
import { resourceBaseline, settle } from '../support/sockets';

const TLS = join(__dirname, '../fixtures/tls');
const CA = readFileSync(join(TLS, 'ca.pem'));
const BODY = 'x'.repeat(100);
const RESPONSE = okResponse(BODY);
const HEAD_LENGTH = RESPONSE.length - BODY.length;
const CHUNKED_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n';

function expectCountersZero(loop: EventLoop): void {
  const { openDnsQueries, incomingTcpConnections, outgoingTcpConnections, incomingHttpConnections, outgoingHttpConnections } = loop.stats();
  expect({ openDnsQueries, incomingTcpConnections, outgoingTcpConnections, incomingHttpConnections, outgoingHttpConnections }).to.deep.equal({
    openDnsQueries: 0,
    incomingTcpConnections: 0,
    outgoingTcpConnections: 0,
    incomingHttpConnections: 0,
    outgoingHttpConnections: 0,
  });
}

/** After the loop: nothing left open on either side. */
async function expectAllClosed(peer: FaultPeer, loop: EventLoop, leaks: { check(): Promise<void> }): Promise<void> {
  await settle(50);
  expect(peer.open, 'connections the client left open').to.equal(0);
  expectCountersZero(loop);
  await leaks.check();
}

interface FaultOutcome {
  error: unknown;
  /** Seconds from the request to its rejection. */
  after: number;
}

/**
 * Connection 0 plays `fault` against a request made with `options`; once that request has
 * failed, a plain request to the same origin must get a fresh connection and its answer.
 */
async function faultThenRecover(fault: Step[], options: HttpRequestOptions = {}, peerOptions: FaultPeerOptions = {}): Promise<FaultOutcome> {
  const peer = await faultPeer((i) => (i === 0 ? fault : [awaitRequest(), send(okResponse('recovered'))]), peerOptions);
  const scheme = peerOptions.tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${peer.port}/`;
  const tls = peerOptions.tls ? { ca: CA } : {};
  const leaks = await resourceBaseline();
  try {
    let loop!: EventLoop;
    const errors: unknown[] = [];
    let after = 0;
    let recovered: unknown;
    await runLoop(() => {
      loop = currentLoop();
      const start = process.hrtime.bigint();
      httpRequest(url, { ...tls, ...options }).attach(never('the faulty request to succeed'), (err: unknown) => {
        after = secondsSince(start);
        errors.push(err);
        httpRequest(url, tls).attach((body: unknown) => (recovered = body));
      });
    });
    expect(errors, 'rejections').to.have.length(1);
    expect(recovered, 'the request after the fault').to.equal('recovered');
    expect(peer.connections, 'a fresh connection after the fault').to.equal(2);
    const socket = (errors[0] as HttpError).socket as AsyncSocket | undefined;
    if (socket !== undefined) expect(socketClosedP(socket), 'the failed socket is closed').to.equal(true);
    await expectAllClosed(peer, loop, leaks);
    return { error: errors[0], after };
  } finally {
    await peer.close();
  }
}

describe('HTTP client faults (scripted peer)', () => {
  it('reset after N bytes of the head: HttpEof ECONNRESET', async () => {
    const { error } = await faultThenRecover([awaitRequest(), ...resetAfter(RESPONSE, 20)]);
    expect(error).to.be.instanceOf(HttpEof).with.property('code', 'ECONNRESET');
  });

  it('reset in the middle of the body: HttpEof ECONNRESET', async () => {
    const { error } = await faultThenRecover([awaitRequest(), ...resetAfter(RESPONSE, HEAD_LENGTH + 50)]);
    expect(error).to.be.instanceOf(HttpEof).with.property('code', 'ECONNRESET');
  });

  it('reset in the middle of the body over TLS: HttpEof ECONNRESET', async () => {
    const { error } = await faultThenRecover([awaitRequest(), ...resetAfter(RESPONSE, HEAD_LENGTH + 50)], {}, { tls: true });
    expect(error).to.be.instanceOf(HttpEof).with.property('code', 'ECONNRESET');
  });

  it('half-close in the middle of the body: HttpEof', async () => {
    const { error } = await faultThenRecover([awaitRequest(), send(RESPONSE.slice(0, HEAD_LENGTH + 10)), halfClose(), stall()]);
    expect(error).to.be.instanceOf(HttpEof).with.property('code', 'CLASYNC_HTTP_EOF');
  });

  it('close in the middle of a chunk: HttpEof', async () => {
    const { error } = await faultThenRecover([awaitRequest(), send(`${CHUNKED_HEAD}a\r\nhello`), closeConnection()]);
    expect(error).to.be.instanceOf(HttpEof).with.property('code', 'CLASYNC_HTTP_EOF');
  });

  it('slowloris server (head started, then silence) against readTimeout 0.2 s: HttpTimeout', async () => {
    const { error, after } = await faultThenRecover([awaitRequest(), send('HTTP/1.1 200 OK\r\nContent-'), stall()], { readTimeout: 0.2 });
    expect(error).to.be.instanceOf(HttpTimeout).with.property('code', 'CLASYNC_HTTP_TIMEOUT');
    expect(after).to.be.within(0.15, 1.5);
  });

  it('a head trickled 1 byte / 50 ms against headersTimeout 0.4 s (readTimeout 0.2 s never fires): HttpTimeout', async () => {
    const { error, after } = await faultThenRecover([awaitRequest(), trickle(RESPONSE, 50)], { readTimeout: 0.2, headersTimeout: 0.4 });
    expect(error).to.be.instanceOf(HttpTimeout).with.property('code', 'CLASYNC_HTTP_HEADERS_TIMEOUT');
    expect(after).to.be.within(0.35, 1.5);
  });

  describe('a second response nobody asked for', () => {
    /** Connection 0 answers the first request with `first`, then plays `unsolicited`. */
    async function unsolicited(first: Step[], nextFromCallback: boolean): Promise<void> {
      const peer = await faultPeer((i) => (i === 0 ? [awaitRequest(), ...first, stall()] : [awaitRequest(), send(okResponse('second'))]));
      const url = `http://127.0.0.1:${peer.port}/`;
      const leaks = await resourceBaseline();
      try {
        let loop!: EventLoop;
        const bodies: unknown[] = [];
        await runLoop(() => {
          loop = currentLoop();
          const next = (): unknown => httpRequest(url).attach((body: unknown) => bodies.push(body));
          httpRequest(url).attach((body: unknown) => {
            bodies.push(body);
            if (nextFromCallback) next();
            else delay(next, { time: 0.2 });
          });
        });
        expect(bodies).to.deep.equal(['first', 'second']);
        expect(peer.connections).to.equal(2);
        await expectAllClosed(peer, loop, leaks);
      } finally {
        await peer.close();
      }
    }

    it('arriving later on the idle pooled connection: the connection is dropped, the next request gets a new one', async () => {
      await unsolicited([send(okResponse('first')), wait(50), send(okResponse('unasked'))], false);
    });

    it('in the same packet as the answer, with the next request made from the answer’s callback: never taken for its answer', async () => {
      await unsolicited([send(okResponse('first') + okResponse('unasked'))], true);
    });
  });

  it('accept-then-close under 1,000 concurrent requests: every one settles once, failures are HttpEof, none hangs', async function () {
    this.timeout(30000);
    const N = 1000;
    // Every other connection is closed at accept; the rest answer.
    const peer = await faultPeer((i) => (i % 2 === 0 ? [closeConnection()] : [awaitRequest(), send(okResponse('ok'))]), { backlog: 2048 });
    const url = `http://127.0.0.1:${peer.port}/`;
    const leaks = await resourceBaseline();
    try {
      let loop!: EventLoop;
      const settled = new Array<number>(N).fill(0);
      const failures: unknown[] = [];
      let ok = 0;
      await runLoop(() => {
        loop = currentLoop();
        for (let k = 0; k < N; k++) {
          httpRequest(url, { readTimeout: 5 }).attach(
            (body: unknown) => {
              settled[k]++;
              if (body === 'ok') ok++;
            },
            (err: unknown) => {
              settled[k]++;
              failures.push(err);
            },
          );
        }
      });
      expect(settled.every((n) => n === 1), 'every request settles exactly once').to.equal(true);
      expect(ok + failures.length).to.equal(N);
      expect(ok, 'requests answered').to.be.above(0);
      expect(failures.length, 'requests refused').to.be.above(0);
      for (const err of failures) expect(err).to.be.instanceOf(HttpEof);
      await expectAllClosed(peer, loop, leaks);
    } finally {
      await peer.close();
    }
  });

  describe('TLS handshake garbage', () => {
    const GARBAGE = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'.repeat(4);

    it('httpRequest to a peer that answers the ClientHello with garbage: TcpSslError', async () => {
      const peer = await faultPeer([send(GARBAGE), stall()]);
      const leaks = await resourceBaseline();
      try {
        let loop!: EventLoop;
        const errors: unknown[] = [];
        await runLoop(() => {
          loop = currentLoop();
          httpRequest(`https://127.0.0.1:${peer.port}/`, { ca: CA }).attach(never('success'), (err: unknown) => errors.push(err));
        });
        expect(errors).to.have.length(1);
        expect(errors[0]).to.be.instanceOf(TcpSslError);
        expect((errors[0] as TcpSslError).code).to.match(/^ERR_SSL_/);
        await expectAllClosed(peer, loop, leaks);
      } finally {
        await peer.close();
      }
    });

    it('tcpSslConnect: TcpSslError reaches eventCb exactly once and the socket is closed', async () => {
      const peer = await faultPeer([send(GARBAGE), stall()]);
      try {
        const eventCb = calledOnce((ev: unknown) => {
          expect(ev).to.be.instanceOf(TcpSslError);
          expect(socketClosedP((ev as TcpSslError).socket as AsyncSocket)).to.equal(true);
        });
        await runLoop(() => {
          tcpSslConnect('127.0.0.1', peer.port, never('readCb'), { eventCb, ca: CA });
        });
        eventCb.check();
        await settle(50);
        expect(peer.open).to.equal(0);
      } finally {
        await peer.close();
      }
    });

    it('tcpSslServer: a client that sends garbage instead of a ClientHello is one TcpSslError on eventCb', async () => {
      const leaks = await resourceBaseline();
      const eventCb = calledOnce((ev: unknown) => expect(ev).to.be.instanceOf(TcpSslError));
      await runLoop(() => {
        const server = tcpSslServer('127.0.0.1', 0, never('readCb'), {
          eventCb,
          certificate: join(TLS, 'server.pem'),
          key: join(TLS, 'server-key.pem'),
        });
        const client = net.connect(server.port, '127.0.0.1', () => client.write(GARBAGE));
        client.on('error', () => {});
        client.on('close', () => closeTcpServer(server));
      });
      eventCb.check();
      await leaks.check();
    });
  });
});
