import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { AsyncInputStream, AsyncIoStream, AsyncOutputStream, streamSocket } from '../src/async-stream';
import { SocketClosed, SocketReset } from '../src/errors';
import { delay } from '../src/event';
import { AsyncSocket, closeSocket, writeSocketData } from '../src/socket';
import { closeTcpServer, tcpConnect, tcpServer } from '../src/tcp';
import { runLoop } from './support/loop';
import { pattern, resourceBaseline, sha256 } from './support/sockets';

describe('async-stream', () => {
  it('stream-read-write-sequence: writeSequence both ways, readSequence in the stream readCb', async () => {
    let serverData = '';
    let clientData = '';
    await runLoop(() => {
      const server = tcpServer('127.0.0.1', 0, (sock, data) => {
        serverData += data.toString();
        new AsyncIoStream(sock).writeSequence("don't say that");
      });
      delay(() => {
        const stream = tcpConnect(
          '127.0.0.1',
          server.port,
          (sock, s) => {
            const buf = Buffer.alloc(8096);
            const n = s.readSequence(buf);
            clientData += buf.toString('utf8', 0, n);
            closeSocket(sock);
            closeTcpServer(server);
          },
          { stream: true },
        );
        expect(stream).to.be.instanceOf(AsyncIoStream);
        stream.writeSequence('can i have your coat?');
      });
    });
    expect(serverData).to.equal('can i have your coat?');
    expect(clientData).to.equal("don't say that");
  });

  it('readSequence writes at start and returns the count; readByte gives a number, then eof', async () => {
    const results: unknown[] = [];
    await runLoop(() => {
      const server = tcpServer('127.0.0.1', 0, null, {
        connectCb: (sock: AsyncSocket) => writeSocketData(sock, 'abcdef'),
      });
      tcpConnect(
        '127.0.0.1',
        server.port,
        (sock, stream) => {
          if (stream.readableLength < 6) return;
          const buf = Buffer.from('........');
          results.push(stream.readSequence(buf, 2, 6), buf.toString());
          results.push(stream.readByte(), stream.readByte(), stream.readByte());
          results.push(stream.readSequence(buf));
          closeSocket(sock);
          closeTcpServer(server);
        },
        { stream: true },
      );
    });
    expect(results).to.deep.equal([4, '..abcd..', 'e'.charCodeAt(0), 'f'.charCodeAt(0), 'eof', 0]);
  });

  it('is a Node Duplex: 1 MB through pipeline and for await, intact', async () => {
    const payload = pattern(1024 * 1024, 3);
    let echoed: Buffer | undefined;
    await runLoop(() => {
      const server = tcpServer('127.0.0.1', 0, (sock, data) => writeSocketData(sock, data), {
        eventCb: () => closeTcpServer(server),
      });
      const stream = tcpConnect('127.0.0.1', server.port, null, { stream: true });
      const collect = async (): Promise<Buffer> => {
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      };
      const slices = Array.from({ length: 16 }, (_, i) => payload.subarray(i * 65536, (i + 1) * 65536));
      return Promise.all([pipeline(Readable.from(slices), stream), collect()]).then(([, data]) => {
        echoed = data;
      });
    });
    expect(echoed!.length).to.equal(payload.length);
    expect(sha256(echoed!)).to.equal(sha256(payload));
  });

  it('back-pressure: a full stream pauses the socket, and reading resumes it without loss', async () => {
    const size = 16 * 1024 * 1024;
    let bufferedWhilePaused = 0;
    let pendingAtServer = 0;
    let total = 0;
    await runLoop(() => {
      let serverSock: AsyncSocket | undefined;
      const server = tcpServer('127.0.0.1', 0, null, {
        connectCb: (sock: AsyncSocket) => {
          serverSock = sock;
          writeSocketData(sock, Buffer.alloc(size, 9));
          closeTcpServer(server);
        },
      });
      const stream = tcpConnect('127.0.0.1', server.port, null, { stream: true, eventCb: () => {} });
      delay(
        () => {
          bufferedWhilePaused = stream.readableLength;
          pendingAtServer = serverSock!.bufferedAmount;
          stream.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total === size) {
              closeSocket(stream.socket);
              closeSocket(serverSock!);
            }
          });
        },
        { time: 0.3 },
      );
    });
    expect(bufferedWhilePaused).to.be.at.most(256 * 1024);
    expect(pendingAtServer).to.be.above(0);
    expect(total).to.equal(size);
  });

  it('socket and stream name each other; one-sided streams; writing when closed throws', async () => {
    let thrown: unknown;
    let received = '';
    await runLoop(() => {
      const server = tcpServer('127.0.0.1', 0, (sock, data) => {
        received += data.toString();
        closeSocket(sock);
        closeTcpServer(server);
      });
      const io = tcpConnect('127.0.0.1', server.port, null, { stream: true, eventCb: () => {} });
      expect(streamSocket(io)).to.equal(io.socket).and.equal(io.streamish);
      expect(io.socket.stream).to.equal(io);
      expect(io).to.be.instanceOf(AsyncInputStream).and.instanceOf(AsyncOutputStream);
      expect(io).to.be.instanceOf(Readable).and.instanceOf(Writable);
      const out = new AsyncOutputStream(io.socket);
      expect(out).to.not.be.instanceOf(AsyncInputStream);
      out.writeSequence('one-sided');
      out.writeByte(33);
      io.socket.once('close', () => {
        try {
          out.writeSequence('late');
        } catch (err) {
          thrown = err;
        }
      });
    });
    expect(received).to.equal('one-sided!');
    expect(thrown).to.be.instanceOf(SocketClosed);
  });

  it('a reset reaches a stream consumer (for await throws SocketReset) and no handle leaks', async () => {
    const leaks = await resourceBaseline();
    let caught: unknown;
    await runLoop(() => {
      const server = tcpServer('127.0.0.1', 0, null, {
        connectCb: (sock: AsyncSocket) => {
          writeSocketData(sock, 'partial');
          delay(() => {
            sock.c!.resetAndDestroy();
            closeTcpServer(server);
          }, { time: 0.05 });
        },
      });
      const stream = tcpConnect('127.0.0.1', server.port, null, { stream: true, eventCb: () => {} });
      return (async () => {
        try {
          for await (const chunk of stream) expect(chunk.toString()).to.equal('partial');
        } catch (err) {
          caught = err;
        }
      })();
    });
    expect(caught).to.be.instanceOf(SocketReset);
    await leaks.check();
  });

  it('AsyncInputStream over a socket without readCb feeds the stream', async () => {
    let text = '';
    await runLoop(() => {
      const server = tcpServer('127.0.0.1', 0, null, {
        connectCb: (sock: AsyncSocket) => {
          const input = new AsyncInputStream(sock);
          input.on('data', (d: Buffer) => (text += d.toString()));
          input.on('end', () => closeTcpServer(server));
        },
      });
      tcpConnect('127.0.0.1', server.port, null, { data: 'fed', connectCb: (s: AsyncSocket) => closeSocket(s) });
    });
    expect(text).to.equal('fed');
  });

  it('a Node-face write after the app closed the socket fails with SocketClosed when someone listens: a pipeline rejects, a corked batch errors', async () => {
    let piped: unknown;
    const batch: unknown[] = [];
    let received = '';
    let sockets: AsyncSocket[] = [];
    await runLoop(async () => {
      const server = tcpServer('127.0.0.1', 0, (_sock, data) => (received += data.toString()));
      const piping = tcpConnect('127.0.0.1', server.port, null, { stream: true, eventCb: () => {} });
      const batching = tcpConnect('127.0.0.1', server.port, null, { stream: true, eventCb: () => {} });
      sockets = [piping.socket, batching.socket];
      closeSocket(piping);
      closeSocket(batching);
      // pipeline listens for 'error': it must hear that the bytes went nowhere.
      piped = await pipeline(Readable.from([Buffer.from('late')]), piping).catch((err: unknown) => err);
      // Writes made while corked reach the socket together (_writev).
      batching.on('error', (err) => batch.push(err));
      batching.cork();
      batching.write('a', (err) => batch.push(err));
      batching.write('b', (err) => batch.push(err));
      batching.uncork();
      await new Promise((resolve) => batching.once('close', resolve));
      closeTcpServer(server);
    });
    expect(piped).to.be.instanceOf(SocketClosed).and.include({ socket: sockets[0] });
    expect(batch).to.have.length(3);
    for (const err of batch) expect(err).to.be.instanceOf(SocketClosed).and.include({ socket: sockets[1] });
    expect(received).to.equal('');
  });
});
