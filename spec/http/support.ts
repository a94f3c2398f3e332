/**
 * Test peers for the HTTP client: a `node:http` server for feature tests, and a raw `net`
 * server that answers with scripted bytes (framing, faults, pipelining). Both listen on
 * 127.0.0.1, port 0, and count the connections they accept.
 */
import http from 'node:http';
import net from 'node:net';
import { Future } from '../../src/future/future';
import { httpRequest, HttpRequestOptions } from '../../src/http/request';
import { startEventLoop } from '../../src/event-loop';

export interface Peer {
  port: number;
  url: string;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function httpPeer(handler: http.RequestListener): Promise<Peer & { server: http.Server }> {
  const server = http.createServer(handler);
  const peer = await listen(server);
  return Object.assign(peer, { server });
}

/**
 * A raw peer: `onRequest(socket, requestText, index)` is called for each request head
 * (and body, when the head says Content-Length) received on a connection.
 */
export async function rawPeer(onRequest: (socket: net.Socket, request: string, index: number) => void): Promise<Peer> {
  const server = net.createServer((socket) => {
    let buffered = '';
    let index = 0;
    socket.on('error', () => {});
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = /content-length:\s*(\d+)/i.exec(buffered.slice(0, end));
        const total = end + 4 + (length ? Number(length[1]) : 0);
        if (buffered.length < total) return;
        const request = buffered.slice(0, total);
        buffered = buffered.slice(total);
        onRequest(socket, request, index++);
      }
    });
  });
  return listen(server);
}

async function listen(server: net.Server): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  const peer: Peer = {
    port: 0,
    url: '',
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket: net.Socket) => {
    peer.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.port = (server.address() as net.AddressInfo).port;
  peer.url = `http://127.0.0.1:${peer.port}`;
  return peer;
}

/** Run `body` in a loop and give back what its Future gave, values and all. */
export async function inLoop<T>(body: () => Future<T>): Promise<unknown[]> {
  let values: unknown[] = [];
  let failure: unknown;
  let failed = false;
  await startEventLoop(() => {
    body().attach(
      (...vals: unknown[]) => {
        values = vals;
      },
      (err: unknown) => {
        failed = true;
        failure = err;
      },
    );
  });
  if (failed) throw failure;
  return values;
}

/** Run `body` in a loop; resolves with what its Future rejected with. */
export async function inLoopError<T>(body: () => Future<T>): Promise<unknown> {
  try {
    await inLoop(body);
  } catch (err) {
    return err;
  }
  throw new Error('expected the request to fail');
}

/** Read a whole request body from a node:http request. */
export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** All of a Future's values, as a promise. */
export function valuesOf(future: Future): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    future.attach((...vals: unknown[]) => resolve(vals), reject);
  });
}

/** Run an async body in one event loop (one connection pool) and give back its result. */
export async function inLoopAsync<T>(body: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  let failure: unknown;
  let failed = false;
  await startEventLoop(async () => {
    try {
      result = await body();
    } catch (err) {
      failed = true;
      failure = err;
    }
  });
  if (failed) throw failure;
  return result as T;
}

/** `httpRequest`'s seven values, as a promise (call it inside a loop). */
export const request = (uri: string, options?: HttpRequestOptions): Promise<unknown[]> => valuesOf(httpRequest(uri, options));
