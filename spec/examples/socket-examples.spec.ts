/**
 * The ported examples: echo-server and tcp-client run as written, in child processes;
 * simple-proxy runs in-process between a client and an echo server.
 */
import net from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { SIGINT } from '../../src/signal';
import { closeSocket, writeSocketData } from '../../src/socket';
import { closeTcpServer, tcpConnect } from '../../src/tcp';
import { echoServer } from '../../examples/echo-server';
import { start } from '../../examples/simple-proxy';
import { runLoop } from '../support/loop';
import { Child, pattern, resourceBaseline, sha256 } from '../support/sockets';

const root = join(__dirname, '..', '..');
const runExample = (name: string, args: string[]): Child =>
  new Child(process.execPath, ['-r', 'ts-node/register/transpile-only', join(root, 'examples', name), ...args], { cwd: root });

describe('examples', () => {
  const children: Child[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop()));
  });

  it('echo-server: echoes, and Ctrl-C ends it cleanly', async () => {
    const child = runExample('echo-server.ts', ['0']);
    children.push(child);
    const port = Number((await child.line(20000)).replace('listening on ', ''));
    expect(port).to.be.above(0);
    const echoed = await new Promise<string>((resolve, reject) => {
      let text = '';
      const c = net.connect(port, '127.0.0.1', () => c.write('marco'));
      c.on('data', (d) => {
        text += d.toString();
        if (text.length >= 5) c.end();
      });
      c.on('close', () => resolve(text));
      c.on('error', reject);
    });
    expect(echoed).to.equal('marco');
    child.proc.kill(SIGINT);
    await child.wait();
    expect(child.proc.exitCode).to.equal(0);
    expect(child.stdout).to.contain('bye');
  });

  it('tcp-client: prints the first chunk of an HTTP answer', async () => {
    const server = net.createServer((c) => {
      c.once('data', (req) => {
        const line = req.toString().split('\r\n')[0];
        c.end(`HTTP/1.1 200 OK\r\nContent-Length: ${line.length}\r\n\r\n${line}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const child = runExample('tcp-client.ts', ['127.0.0.1', String((server.address() as net.AddressInfo).port)]);
      children.push(child);
      await child.wait();
      expect(child.proc.exitCode).to.equal(0);
      expect(child.stdout).to.contain('HTTP/1.1 200 OK').and.contain('GET / HTTP/1.1');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('simple-proxy: 1 MB through the proxy to an echo server and back, intact; stop lets the loop end', async () => {
    const payload = pattern(1024 * 1024, 21);
    const chunks: Buffer[] = [];
    const leaks = await resourceBaseline();
    const logged: string[] = [];
    await runLoop(() => {
      const echo = echoServer(0, '127.0.0.1', () => {});
      const proxy = start('127.0.0.1', 0, '127.0.0.1', echo.port, { debug: true, log: (l) => logged.push(l) });
      let received = 0;
      const client = tcpConnect('127.0.0.1', proxy.server.port, (sock, data) => {
        chunks.push(data);
        received += data.length;
        if (received === payload.length) {
          closeSocket(sock);
          proxy.stop();
          closeTcpServer(echo);
        }
      });
      writeSocketData(client, payload);
    });
    const echoed = Buffer.concat(chunks);
    expect(sha256(echoed)).to.equal(sha256(payload));
    expect(logged.some((l) => l.startsWith('client -> remote'))).to.equal(true);
    await leaks.check();
  });
});
