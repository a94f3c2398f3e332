/**
 * Interop with peers nobody here wrote: Python's asyncio and socat. 1 MB round trips must
 * come back byte for byte. socat missing is a failure (CI installs it), not a skip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { pipeConnect } from '../src/pipe';
import { AsyncSocket, closeSocket, writeSocketData } from '../src/socket';
import { closeTcpServer, tcpConnect, tcpServer } from '../src/tcp';
import { never, runLoop } from './support/loop';
import { Child, freePort, pattern, requireCommand, resourceBaseline, sha256, waitForListener } from './support/sockets';

const SIZE = 1024 * 1024;
const SOCAT_HINT = 'install the Debian package "socat" (.ci/run does)';

const PYTHON_ECHO = `
import asyncio

async def handle(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            break
        writer.write(data)
        await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(handle, '127.0.0.1', 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
`;

/**
 * Send `payload` from a client socket and collect the echo; resolves with the echoed bytes.
 * `window` bounds the bytes in flight (for peers that deadlock on bursts); by default all
 * of it is written at once, in several writes, so batching and back-pressure are exercised.
 */
async function roundTrip(
  connect: (readCb: (sock: AsyncSocket, data: Buffer) => void) => AsyncSocket,
  payload: Buffer,
  window = Infinity,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const step = Math.min(100_000, window);
  let received = 0;
  let sent = 0;
  await runLoop(() => {
    const send = (sock: AsyncSocket): void => {
      for (; sent < payload.length && sent - received < window; sent += step) writeSocketData(sock, payload.subarray(sent, sent + step));
    };
    const sock = connect((s, data) => {
      chunks.push(data);
      received += data.length;
      if (received >= payload.length) closeSocket(s);
      else send(s);
    });
    send(sock);
  });
  return Buffer.concat(chunks);
}

describe('interop', () => {
  const children: Child[] = [];
  let dir: string | undefined;

  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop()));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('tcpConnect to a Python asyncio echo server: 1 MB intact', async () => {
    requireCommand('python3', 'install python3');
    const python = new Child('python3', ['-c', PYTHON_ECHO]);
    children.push(python);
    const port = Number(await python.line());
    const payload = pattern(SIZE, 11);
    const leaks = await resourceBaseline();
    const echoed = await roundTrip((readCb) => tcpConnect('127.0.0.1', port, readCb, { eventCb: never('eventCb') }), payload);
    expect(echoed.length).to.equal(SIZE);
    expect(sha256(echoed)).to.equal(sha256(payload));
    await leaks.check();
  });

  it('tcpConnect to a socat echo (TCP-LISTEN … PIPE): 1 MB intact', async () => {
    requireCommand('socat', SOCAT_HINT);
    const port = await freePort();
    children.push(new Child('socat', [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, 'PIPE']));
    await waitForListener(port);
    const payload = pattern(SIZE, 12);
    // Bounded in flight: socat's PIPE echo can deadlock on bursts (see the pipe case).
    const echoed = await roundTrip((readCb) => tcpConnect('127.0.0.1', port, readCb, { eventCb: never('eventCb') }), payload, 256 * 1024);
    expect(echoed.length).to.equal(SIZE);
    expect(sha256(echoed)).to.equal(sha256(payload));
  });

  it('pipeConnect to a socat echo on a Unix socket: 1 MB intact', async () => {
    requireCommand('socat', SOCAT_HINT);
    dir = mkdtempSync(join(tmpdir(), 'cl-async-interop-'));
    const path = join(dir, 'echo.sock');
    children.push(new Child('socat', [`UNIX-LISTEN:${path},fork`, 'PIPE']));
    await waitForListener(path);
    const payload = pattern(SIZE, 13);
    // socat's PIPE echo writes with blocking calls and deadlocks on a large burst over a Unix
    // socket (a raw net client stalls the same way), so keep 32 KiB in flight.
    const echoed = await roundTrip((readCb) => pipeConnect(path, readCb, { eventCb: never('eventCb') }), payload, 32 * 1024);
    expect(sha256(echoed)).to.equal(sha256(payload));
  });

  it('a socat client through our tcpServer echo: 1 MB intact, then EOF closes both sides', async () => {
    requireCommand('socat', SOCAT_HINT);
    const payload = pattern(SIZE, 14);
    let client: Child | undefined;
    let events = 0;
    await runLoop(() => {
      const server = tcpServer('127.0.0.1', 0, (sock, data) => writeSocketData(sock, data), {
        eventCb: () => {
          // socat half-closes after its stdin ends: our side flushes the echo, then closes.
          events++;
          closeTcpServer(server);
        },
      });
      client = new Child('socat', ['-t', '10', 'STDIO', `TCP:127.0.0.1:${server.port}`]);
      children.push(client);
      client.proc.stdin!.end(payload);
    });
    await client!.wait();
    expect(events).to.equal(1);
    expect(client!.stdoutBytes.length).to.equal(SIZE);
    expect(sha256(client!.stdoutBytes)).to.equal(sha256(payload));
  });
});
