/**
 * A scriptable loopback peer for fault tests: a `node:net` (or `node:tls`) server on 127.0.0.1
 * whose behaviour on each accepted connection is a small script of steps. It is written with
 * Node's own sockets, so the peer is never the code under test.
 *
 *   const peer = await faultPeer((index) => index === 0
 *     ? [awaitRequest(), send(HEAD), resetConnection()]
 *     : [awaitRequest(), send(OK)]);
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';

export type Step =
  | { kind: 'send'; data: Buffer }
  | { kind: 'trickle'; data: Buffer; everyMs: number }
  | { kind: 'wait'; ms: number }
  | { kind: 'awaitRequest' }
  | { kind: 'reset' }
  | { kind: 'halfClose' }
  | { kind: 'close' }
  | { kind: 'stall' };

const bytesOf = (data: string | Buffer): Buffer => (typeof data === 'string' ? Buffer.from(data, 'latin1') : data);

export const send = (data: string | Buffer): Step => ({ kind: 'send', data: bytesOf(data) });
/** Write `data` one byte every `everyMs`. */
export const trickle = (data: string | Buffer, everyMs: number): Step => ({ kind: 'trickle', data: bytesOf(data), everyMs });
export const wait = (ms: number): Step => ({ kind: 'wait', ms });
/** Wait for the next whole request (head, and the body its Content-Length announces). */
export const awaitRequest = (): Step => ({ kind: 'awaitRequest' });
/** Abort with a TCP RST. */
export const resetConnection = (): Step => ({ kind: 'reset' });
/** Send FIN and keep reading. */
export const halfClose = (): Step => ({ kind: 'halfClose' });
/** Send FIN and let the socket go (accept-then-close when it is the only step). */
export const closeConnection = (): Step => ({ kind: 'close' });
/** Do nothing more: hold the connection open until the peer is closed. */
export const stall = (): Step => ({ kind: 'stall' });

/** Send the first `n` bytes of `data`, then reset: the peer dies mid-message. */
export const resetAfter = (data: string | Buffer, n: number): Step[] => [send(bytesOf(data).subarray(0, n)), wait(20), resetConnection()];

/** A script, or a script per connection (by accept order, from 0). */
export type Script = Step[] | ((index: number) => Step[]);

export interface FaultPeer {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Whole requests received, over all connections. */
  requests: number;
  /** Connections open now. */
  readonly open: number;
  /** Every connection's script ran to its end (or the connection went away). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface FaultPeerOptions {
  /** Speak TLS with the fixture certificate (`spec/fixtures/tls/server.pem`, signed by `ca.pem`). */
  tls?: boolean;
  backlog?: number;
}

const TLS_DIR = join(__dirname, '../fixtures/tls');

/** Where a whole request ends in `text`, or -1. */
function requestEnd(text: string): number {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return -1;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
  const total = end + 4 + (length ? Number(length[1]) : 0);
  return text.length >= total ? total : -1;
}

export async function faultPeer(script: Script, options: FaultPeerOptions = {}): Promise<FaultPeer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let stopped = false;
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const play = async (socket: net.Socket, raw: net.Socket, steps: Step[], peer: FaultPeer): Promise<void> => {
    let received = '';
    let gone = false;
    let wake: (() => void) | null = null;
    const poke = (): void => {
      wake?.();
      wake = null;
    };
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      poke();
    });
    socket.on('close', () => {
      gone = true;
      poke();
    });
    for (const step of steps) {
      if (gone || stopped) return;
      switch (step.kind) {
        case 'send':
          socket.write(step.data);
          break;
        case 'trickle':
          for (const byte of step.data) {
            if (gone || stopped) return;
            socket.write(Buffer.from([byte]));
            await sleep(step.everyMs);
          }
          break;
        case 'wait':
          await sleep(step.ms);
          break;
        case 'awaitRequest': {
          let end: number;
          while ((end = requestEnd(received)) === -1) {
            if (gone || stopped) return;
            await new Promise<void>((resolve) => (wake = resolve));
          }
          received = received.slice(end);
          peer.requests++;
          break;
        }
        case 'reset':
          // A TLS socket cannot reset: the TCP socket under it does.
          raw.resetAndDestroy();
          return;
        case 'halfClose':
          socket.end();
          break;
        case 'close':
          socket.end();
          socket.destroySoon();
          return;
        case 'stall':
          return;
      }
    }
  };

  const secureContext = options.tls
    ? tls.createSecureContext({ cert: readFileSync(join(TLS_DIR, 'server.pem')), key: readFileSync(join(TLS_DIR, 'server-key.pem')) })
    : null;
  const server = net.createServer((raw) => {
    const index = peer.connections++;
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => {});
    const socket = secureContext === null ? raw : new tls.TLSSocket(raw, { isServer: true, secureContext });
    // A client that fails the handshake is not the peer's concern.
    socket.on('error', () => {});
    const run = play(socket, raw, typeof script === 'function' ? script(index) : script, peer);
    running.add(run);
    void run.finally(() => running.delete(run));
  });

  const peer: FaultPeer = {
    port: 0,
    connections: 0,
    requests: 0,
    get open() {
      return sockets.size;
    },
    async idle() {
      while (running.size > 0) await Promise.all(running);
    },
    close: () =>
      new Promise<void>((resolve) => {
        stopped = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: options.backlog ?? 511 }, resolve));
  peer.port = (server.address() as net.AddressInfo).port;
  return peer;
}

/** A complete `200 OK` with a text body, for the connection after a fault. */
export function okResponse(body = 'ok'): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
