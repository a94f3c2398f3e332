/**
 * One client process of bench/scale.ts, spawned by bench/scale-server.ts (a process may hold at
 * most 20,000 file descriptors, so 19,000 connections take several), connecting from its own
 * source address so that each address needs fewer ephemeral ports.
 *
 *   node scale-client.js PORT SOURCE_ADDRESS DELAY_MS CORE|-
 *
 * Commands on stdin, one a line:
 *   `open K`   open K more connections. The server paces these: a client cannot tell when a
 *              connection it sees as established has left the server's listen queue, and an
 *              overflowing queue drops SYNs, which cost a 1 s retransmit each.
 *   `start`    keep one 16-byte request outstanding on every connection, the first ones spread
 *              over one delay so the load is even; the server echoes each after its delay, the
 *              client checks every byte and sends the next.
 *   `measure`  count responses and latencies from now.
 *   `stop`     print one JSON line (`ClientReport`), reset every connection, exit.
 * It also exits when its stdin closes (the server died).
 */
import net from 'node:net';
import { createHistogram } from 'node:perf_hooks';
import { pinTo } from './harness';

const REQUEST = Buffer.from('cl-async scale!\n');
const HOST = '127.0.0.1';

export interface ClientReport {
  connectErrors: number;
  /** Errors on established connections before `stop`. */
  errors: number;
  /** Response bytes that were not the echo of the request. */
  badBytes: number;
  responses: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
}

function main(): void {
  const [port, localAddress, delayMs, core] = process.argv.slice(2);
  pinTo(core === '-' ? null : Number(core));
  const sockets: net.Socket[] = [];
  const senders: (() => void)[] = [];
  const latency = createHistogram();
  const report: ClientReport = { connectErrors: 0, errors: 0, badBytes: 0, responses: 0, p50ms: 0, p99ms: 0, maxMs: 0 };
  let measuring = false;
  let stopped = false;

  const open = (): void => {
    const s = net.connect({ port: Number(port), host: HOST, localAddress });
    let up = false;
    let got = 0;
    let sentAt = 0;
    const send = (): void => {
      sentAt = performance.now();
      s.write(REQUEST);
    };
    s.once('connect', () => {
      up = true;
      sockets.push(s);
      senders.push(send);
    });
    s.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i++) if (d[i] !== REQUEST[(got + i) % REQUEST.length]) report.badBytes++;
      got += d.length;
      if (got < REQUEST.length) return;
      got -= REQUEST.length;
      if (measuring) {
        report.responses++;
        latency.record(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
      }
      if (!stopped) send();
    });
    s.on('error', () => {
      if (!up) report.connectErrors++;
      else if (!stopped) report.errors++;
    });
  };

  const stop = (): void => {
    stopped = true;
    measuring = false;
    const ms = (us: number): number => us / 1000;
    Object.assign(report, { p50ms: ms(latency.percentile(50)), p99ms: ms(latency.percentile(99)), maxMs: ms(latency.max) });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    // RST, not FIN: thousands of TIME_WAIT sockets left on these addresses would slow the
    // next run's port allocation (a 19,000-connection ramp went from 4 s to 25 s).
    for (const s of sockets) s.resetAndDestroy();
    process.stdin.destroy();
  };

  let input = '';
  process.stdin.on('data', (d: Buffer) => {
    input += d.toString();
    for (let nl = input.indexOf('\n'); nl !== -1; nl = input.indexOf('\n')) {
      const command = input.slice(0, nl);
      input = input.slice(nl + 1);
      if (command.startsWith('open ')) for (let k = Number(command.slice(5)); k > 0; k--) open();
      else if (command === 'start') senders.forEach((send, k) => setTimeout(send, (k * Number(delayMs)) / senders.length));
      else if (command === 'measure') measuring = true;
      else if (command === 'stop') stop();
    }
  });
  process.stdin.on('end', () => process.exit(stopped ? 0 : 1));
}

main();
