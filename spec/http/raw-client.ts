/**
 * A raw TCP client for the HTTP server specs (a `node:net` peer): send exact bytes, read
 * exact bytes back, and split what came back into responses.
 */
import net from 'node:net';

export interface RawConnection {
  socket: net.Socket;
  /** Everything received so far (latin1). */
  readonly text: string;
  send(data: string | Buffer): void;
  /** Resolves once the received text satisfies `test` (or rejects after `ms`). */
  waitFor(test: (text: string) => boolean, ms?: number): Promise<string>;
  /** Resolves with everything received when the server closes the connection. */
  closed(ms?: number): Promise<string>;
  destroy(): void;
}

export function rawConnect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    let text = '';
    let ended = false;
    const waiters: Array<() => void> = [];
    const wake = (): void => {
      for (const w of waiters.splice(0)) w();
    };
    socket.on('data', (d) => {
      text += d.toString('latin1');
      wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      ended = true;
      wake();
    });
    const wait = (done: () => boolean, ms: number, what: string): Promise<string> =>
      new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`raw client: timed out waiting for ${what}; got ${JSON.stringify(text)}`)), ms);
        const check = (): void => {
          if (done()) {
            clearTimeout(timer);
            res(text);
          } else if (ended) {
            clearTimeout(timer);
            if (done()) res(text);
            else rej(new Error(`raw client: connection closed while waiting for ${what}; got ${JSON.stringify(text)}`));
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    const connection: RawConnection = {
      socket,
      get text() {
        return text;
      },
      send: (data) => void socket.write(data),
      waitFor: (test, ms = 3000) => wait(() => test(text), ms, 'data'),
      closed: (ms = 3000) =>
        new Promise((res, rej) => {
          const timer = setTimeout(() => rej(new Error(`raw client: server did not close; got ${JSON.stringify(text)}`)), ms);
          const check = (): void => {
            if (ended) {
              clearTimeout(timer);
              res(text);
            } else waiters.push(check);
          };
          check();
        }),
      destroy: () => socket.destroy(),
    };
    socket.once('connect', () => resolve(connection));
    socket.once('error', reject);
  });
}

/** Send `request` on a new connection and collect everything until the server closes it. */
export async function rawRequest(port: number, request: string | Buffer, ms = 3000): Promise<string> {
  const c = await rawConnect(port);
  c.send(request);
  return c.closed(ms);
}

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

/** Split a byte string into HTTP responses (Content-Length, chunked, or the rest). */
export function parseResponses(text: string, headRequests = 0): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let rest = text;
  let heads = headRequests;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) throw new Error(`incomplete response head: ${JSON.stringify(rest)}`);
    const lines = rest.slice(0, end).split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    let i = end + 4;
    let body = '';
    const noBody = status === 100 || status === 204 || status === 304 || heads-- > 0;
    if (noBody) {
      // nothing
    } else if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', i);
        const size = parseInt(rest.slice(i, lineEnd), 16);
        i = lineEnd + 2;
        if (size === 0) {
          i = rest.indexOf('\r\n\r\n', i - 2) + 4;
          break;
        }
        body += rest.slice(i, i + size);
        i += size + 2;
      }
    } else if (headers['content-length'] !== undefined) {
      body = rest.slice(i, i + Number(headers['content-length']));
      i += body.length;
    } else {
      body = rest.slice(i);
      i = rest.length;
    }
    out.push({ status, headers, body, raw: rest.slice(0, i) });
    rest = rest.slice(i);
  }
  return out;
}
