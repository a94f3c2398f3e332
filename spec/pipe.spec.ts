import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { AsyncIoStream } from '../src/async-stream';
import { SocketAddressInUse, StreamishEnoent, StreamishError } from '../src/errors';
import { delay } from '../src/event';
import { pipeConnect, pipeServer, PipeServer } from '../src/pipe';
import {
  AsyncSocket,
  closeSocket,
  closeSocketServer,
  socketClosedP,
  socketServerClosedP,
} from '../src/socket';
import { calledOnce, loopError, never, runLoop } from './support/loop';
import { SIMPLE_CLIENT_SERVER, simpleClientServer } from './support/client-server';
import { resourceBaseline } from './support/sockets';

describe('pipe', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cl-async-pipe-'));
    path = join(dir, 'blabla');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('pipe-simple-client-server: same shapes as TCP', async () => {
    const leaks = await resourceBaseline();
    const seen = await simpleClientServer<PipeServer>({
      listen: (readCb, connectCb) => pipeServer(path, readCb, { connectCb }),
      connect: (_server, readCb, options) => pipeConnect(path, readCb, options),
      close: closeSocketServer,
    });
    expect(seen).to.deep.equal(SIMPLE_CLIENT_SERVER);
    await leaks.check();
  });

  it('pipe-connect-fail: a missing path is StreamishEnoent, once, and escapes when rethrown', async () => {
    const eventCb = calledOnce((ev: unknown) => {
      throw ev;
    });
    const err = await loopError(() => {
      pipeConnect(join(dir, 'nosuchpipe'), never('readCb'), { data: 'hai', readTimeout: 1, eventCb });
    });
    eventCb.check();
    expect(err).to.be.instanceOf(StreamishEnoent).and.include({ code: 'ENOENT' });
    expect((err as StreamishEnoent).socket).to.be.instanceOf(AsyncSocket);
  });

  it('pipe-server-close: closeSocketServer leaves the connection open; the loop waits for it', async () => {
    let serverClosed: boolean | undefined;
    let socketClosed: boolean | undefined;
    await runLoop(() => {
      const server: PipeServer = pipeServer(path, null);
      expect(server.path).to.equal(path);
      delay(() => closeSocketServer(server), { time: 0.1 });
      pipeConnect(path, null, {
        connectCb: (sock: AsyncSocket) => {
          delay(
            () => {
              serverClosed = socketServerClosedP(server);
              closeSocket(sock);
              delay(() => (socketClosed = socketClosedP(sock)));
            },
            { time: 0.3 },
          );
        },
      });
    });
    expect(serverClosed).to.equal(true);
    expect(socketClosed).to.equal(true);
  });

  it('pipe-server-stream: readSequence until nothing is left', async () => {
    let serverData = '';
    await runLoop(() => {
      const server = pipeServer(
        path,
        (sock: AsyncSocket, stream: AsyncIoStream) => {
          const buf = Buffer.alloc(1024);
          for (let n = stream.readSequence(buf); n > 0; n = stream.readSequence(buf)) serverData += buf.toString('utf8', 0, n);
          closeSocket(sock);
          closeSocketServer(server);
        },
        { stream: true },
      );
      pipeConnect(path, null, { data: 'HELLO!' });
    });
    expect(serverData).to.equal('HELLO!');
  });

  it('a path that exists already is SocketAddressInUse at the call', async () => {
    writeFileSync(path, '');
    let thrown: unknown;
    await runLoop(() => {
      try {
        pipeServer(path, null);
      } catch (err) {
        thrown = err;
      }
    });
    expect(thrown).to.be.instanceOf(SocketAddressInUse).and.include({ code: 'EADDRINUSE', addr: path });
  });

  it('other bind failures come through the loop', async () => {
    const err = await loopError(() => {
      pipeServer(join(dir, 'no', 'such', 'dir'), null, { eventCb: never('eventCb') });
    });
    // libuv reports a missing directory as EACCES or ENOENT depending on the platform.
    expect(err).to.be.instanceOf(StreamishError);
    expect((err as StreamishError).code).to.match(/^(EACCES|ENOENT)$/);
    expect((err as StreamishError).socket).to.be.instanceOf(PipeServer);
  });
});
