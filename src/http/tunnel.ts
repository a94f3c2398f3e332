/**
 * An HTTP CONNECT tunnel through a proxy, as the byte stream TLS runs over for `https:`
 * requests sent through a proxy. Until the proxy says 2xx, what TLS writes waits here; after
 * it, bytes pass straight through both ways.
 */
import net from 'node:net';
import { Duplex } from 'node:stream';
import { HttpError } from '../errors';
import { ResponseHead, ResponseParser } from './parser';

export interface TunnelTarget {
  /** `host:port` the proxy connects to. */
  authority: string;
  /** `Proxy-Authorization` value, if any. */
  authorization?: string;
}

type PendingWrite = [chunk: Buffer, callback: (err?: Error | null) => void];

export class ConnectTunnel extends Duplex {
  private readonly socket: net.Socket;
  private readonly parser: ResponseParser;
  private open = false;
  private pending: PendingWrite[] = [];
  private status = 0;

  constructor(proxyAddress: string, proxyPort: number, target: TunnelTarget) {
    super();
    this.parser = new ResponseParser(
      {
        onHeaders: (head: ResponseHead) => (this.status = head.status),
        onBody: () => {},
        onMessageComplete: () => this.destroy(this.refusal()),
        onUpgrade: (rest: Buffer) => this.established(rest),
      },
      { allowUnsolicited: false },
    );
    this.parser.expectResponse('CONNECT');
    const auth = target.authorization === undefined ? '' : `Proxy-Authorization: ${target.authorization}\r\n`;
    const socket = net.connect(proxyPort, proxyAddress);
    this.socket = socket;
    socket.write(`CONNECT ${target.authority} HTTP/1.1\r\nHost: ${target.authority}\r\n${auth}\r\n`);
    socket.on('data', this.onData);
    socket.on('end', () => (this.open ? this.push(null) : this.destroy(this.refusal())));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.open) this.socket.write(chunk, callback);
    else this.pending.push([chunk, callback]);
  }

  override _read(): void {
    this.socket.resume();
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.socket.destroy();
    for (const [, cb] of this.pending.splice(0)) cb(err);
    callback(err);
  }

  private readonly onData = (data: Buffer): void => {
    if (this.open) {
      if (!this.push(data)) this.socket.pause();
      return;
    }
    try {
      this.parser.execute(data);
    } catch (err) {
      this.destroy(err as Error);
    }
  };

  /** 2xx: the connection is now the tunnel. `rest` already belongs to the far side. */
  private established(rest: Buffer): void {
    this.open = true;
    if (rest.length > 0) this.push(rest);
    for (const [chunk, cb] of this.pending.splice(0)) this.socket.write(chunk, cb);
  }

  /** Any final status but 2xx, or a close before one: the proxy refused the tunnel. */
  private refusal(): HttpError {
    const why = this.status === 0 ? 'it closed the connection first' : `HTTP ${this.status}`;
    return new HttpError({ code: 'CLASYNC_HTTP_PROXY_REFUSED', errmsg: `The proxy refused the tunnel: ${why}` });
  }
}
