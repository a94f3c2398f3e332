import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { AsyncIoStream } from '../src/async-stream';
import { EventError, SocketEof, SocketError, TcpSslError } from '../src/errors';
import { AsyncSocket, closeSocket } from '../src/socket';
import { closeTcpServer, TcpServer } from '../src/tcp';
import { initTcpSslSocket, tcpSslConnect, tcpSslServer, TlsServerOptions } from '../src/tls';
import { connectTcpSocket } from '../src/tcp';
import { calledOnce, never, runLoop } from './support/loop';
import { SIMPLE_CLIENT_SERVER, simpleClientServer } from './support/client-server';
import { resourceBaseline } from './support/sockets';

const fixture = (name: string): string => join(__dirname, 'fixtures', 'tls', name);
const CA = fixture('ca.pem');
const SERVER: TlsServerOptions = { certificate: fixture('server.pem'), key: fixture('server-key.pem') };

describe('tls', () => {
  for (const host of ['127.0.0.1', 'localhost']) {
    it(`tcp-ssl-simple-client-server (${host}): verified against the CA, same callbacks as TCP`, async () => {
      const leaks = await resourceBaseline();
      const seen = await simpleClientServer<TcpServer>({
        listen: (readCb, connectCb) => {
          const server = tcpSslServer(null, 0, readCb, {
            ...SERVER,
            connectCb,
            eventCb: (ev) => {
              // Accepted connections share the server's eventCb: clients closing is EOF there.
              if (!(ev instanceof SocketEof)) throw ev;
            },
          });
          expect(server.kind).to.equal('tls-server');
          return server;
        },
        connect: (server, readCb, options) => {
          const sock = tcpSslConnect(host, server.port, readCb, { ...options, ca: CA });
          expect(sock.kind).to.equal('tls');
          return sock;
        },
        close: closeTcpServer,
      });
      expect(seen).to.deep.equal(SIMPLE_CLIENT_SERVER);
      await leaks.check();
    });
  }

  it('verification is on by default: a self-signed server is a TcpSslError event, not data', async () => {
    const eventCb = calledOnce((ev: unknown) => {
      expect(ev).to.be.instanceOf(TcpSslError).and.instanceOf(SocketError).and.instanceOf(EventError);
      expect(ev).to.include({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      expect((ev as TcpSslError).socket).to.be.instanceOf(AsyncSocket);
    });
    let serverEvents = 0;
    await runLoop(() => {
      const server = tcpSslServer('127.0.0.1', 0, never('server readCb'), {
        certificate: fixture('self-signed.pem'),
        key: fixture('self-signed-key.pem'),
        eventCb: () => {
          serverEvents++;
          closeTcpServer(server);
        },
      });
      tcpSslConnect('localhost', server.port, never('readCb'), { data: 'secret', eventCb });
    });
    eventCb.check();
    expect(serverEvents).to.equal(1);
  });

  it('a CA that did not sign the server fails verification', async () => {
    let event: unknown;
    await runLoop(() => {
      const server = tcpSslServer('127.0.0.1', 0, null, { ...SERVER, eventCb: () => closeTcpServer(server) });
      tcpSslConnect('127.0.0.1', server.port, never('readCb'), { ca: fixture('self-signed.pem'), eventCb: (ev) => (event = ev) });
    });
    expect(event).to.be.instanceOf(TcpSslError).and.include({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('verify: false accepts a self-signed server; PEM contents work as well as paths; stream mode', async () => {
    let got = '';
    await runLoop(() => {
      const server = tcpSslServer(
        '127.0.0.1',
        0,
        (sock: AsyncSocket, stream: AsyncIoStream) => {
          const buf = Buffer.alloc(64);
          const n = stream.readSequence(buf);
          stream.writeSequence(buf.subarray(0, n).toString().toUpperCase());
          closeSocket(sock);
          closeTcpServer(server);
        },
        {
          certificate: readFileSync(fixture('self-signed.pem')),
          key: readFileSync(fixture('self-signed-key.pem'), 'utf8'),
          stream: true,
        },
      );
      tcpSslConnect('127.0.0.1', server.port, (_s, data) => (got += data.toString()), {
        verify: false,
        data: 'quiet',
        eventCb: () => {},
      });
    });
    expect(got).to.equal('QUIET');
  });

  it('an encrypted key with its password; initTcpSslSocket + connectTcpSocket', async () => {
    let got = '';
    await runLoop(() => {
      const server = tcpSslServer('127.0.0.1', 0, (sock, data) => {
        got += data.toString();
        closeSocket(sock);
        closeTcpServer(server);
      }, { certificate: fixture('server.pem'), key: fixture('server-key-encrypted.pem'), password: 'hunter2' });
      const sock = initTcpSslSocket(null, { ca: readFileSync(CA), data: 'locked' });
      connectTcpSocket(sock, 'localhost', server.port);
    });
    expect(got).to.equal('locked');
  });

  it('loading a bad key or a missing file throws TcpSslError at the call', async () => {
    const thrown: unknown[] = [];
    await runLoop(() => {
      for (const options of [
        { certificate: fixture('server.pem'), key: fixture('server-key-encrypted.pem'), password: 'wrong' },
        { certificate: fixture('nope.pem'), key: fixture('server-key.pem') },
      ]) {
        try {
          tcpSslServer('127.0.0.1', 0, null, options);
        } catch (err) {
          thrown.push(err);
        }
      }
      try {
        tcpSslConnect('127.0.0.1', 1, null, { ca: fixture('nope.pem') });
      } catch (err) {
        thrown.push(err);
      }
    });
    expect(thrown).to.have.length(3);
    for (const err of thrown) expect(err).to.be.instanceOf(TcpSslError);
  });

  it('verify on a server requires a client certificate signed by its CA', async () => {
    let withCert = '';
    let serverEvent: unknown;
    let clientEvent: unknown;
    await runLoop(() => {
      let n = 0;
      const done = (): void => {
        if (++n === 2) closeTcpServer(server);
      };
      const server = tcpSslServer('127.0.0.1', 0, (sock, data) => {
        withCert += data.toString();
        closeSocket(sock);
        done();
      }, {
        ...SERVER,
        ca: CA,
        verify: true,
        eventCb: (ev) => {
          serverEvent = ev;
          done();
        },
      });
      tcpSslConnect('localhost', server.port, null, {
        ca: CA,
        certificate: fixture('client.pem'),
        key: fixture('client-key.pem'),
        data: 'with cert',
        eventCb: () => {},
      });
      tcpSslConnect('localhost', server.port, never('readCb'), { ca: CA, data: 'without', eventCb: (ev) => (clientEvent = ev) });
    });
    expect(withCert).to.equal('with cert');
    expect(serverEvent).to.be.instanceOf(TcpSslError);
    expect(clientEvent).to.be.instanceOf(SocketError);
  });
});
