/**
 * TLS sockets (`cl-async-ssl`): the TCP functions with a TLS transport. Clients verify the
 * server by default (against `ca`, else the system store); a failed verification or
 * handshake is a `TcpSslError` event whose `code` is Node's (`DEPTH_ZERO_SELF_SIGNED_CERT`…).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { AsyncIoStream } from './async-stream';
import { TcpSslError } from './errors';
import { EventCb } from './event-loop';
import { conditionFromNodeError } from './node-errors';
import { AsyncSocket, Connector, SocketOptions, SocketReadCb, socketOrStream, StreamReadCb } from './socket';
import { AnyReadCb } from './streamish';
import { connectTcpSocket, listenTcp, makeSocket, TcpServer, TcpServerOptions, withEventCb } from './tcp';

/** A PEM file path, or PEM contents (a string or Buffer starting with `-----BEGIN`). */
export type PemInput = string | Buffer;

export interface TlsOptions {
  /** Certificate (chain) presented to the peer. */
  certificate?: PemInput | null;
  key?: PemInput | null;
  /** Passphrase of an encrypted `key`. */
  password?: string | null;
  /** Trusted CA certificates (replace the system store). */
  ca?: PemInput | PemInput[] | null;
  /** Client: verify the server (default true). Server: require a client certificate (default false). */
  verify?: boolean;
  /** OpenSSL cipher list. */
  ciphers?: string;
}

export interface TlsConnectOptions extends SocketOptions, TlsOptions {
  /** SNI name and the name the certificate must match (default: `host` when not an IP). */
  servername?: string;
  /**
   * Run TLS over this byte stream instead of a TCP connection to the resolved `address:port`
   * (an HTTP CONNECT tunnel through a proxy, say).
   */
  transport?: (address: string, port: number) => Duplex;
}

export interface TlsServerOptions extends TcpServerOptions, TlsOptions {}

export type TcpSslServer = TcpServer;

const PEM_START = '-----BEGIN';

function pem(input: PemInput): string | Buffer {
  const contents = Buffer.isBuffer(input) ? input.subarray(0, PEM_START.length).toString('latin1') : input;
  if (contents.startsWith(PEM_START)) return input;
  return readFileSync(typeof input === 'string' ? input : input.toString());
}

function contextOptions(options: TlsOptions): tls.SecureContextOptions {
  const ca = options.ca == null ? undefined : Array.isArray(options.ca) ? options.ca.map(pem) : pem(options.ca);
  return {
    cert: options.certificate == null ? undefined : pem(options.certificate),
    key: options.key == null ? undefined : pem(options.key),
    passphrase: options.password ?? undefined,
    ca,
    ciphers: options.ciphers,
  };
}

/** Loading certificates and keys fails at the call, as cl-async signals it. */
function loadFailed(err: unknown): TcpSslError {
  const e = err as NodeJS.ErrnoException;
  return new TcpSslError({ code: e.code, errmsg: `Error initializing certificate: ${e.message}`, cause: err });
}

function tlsConnector(options: TlsConnectOptions): Connector {
  let secureContext: tls.SecureContext;
  try {
    secureContext = tls.createSecureContext(contextOptions(options));
  } catch (err) {
    throw loadFailed(err);
  }
  const rejectUnauthorized = options.verify !== false;
  return {
    readyEvent: 'secureConnect',
    open: (address, port, host) => {
      const name = options.servername ?? host;
      const transport = options.transport?.(address, port);
      return tls.connect({
        // Over a transport, `host` only names the peer for the certificate check.
        host: transport === undefined ? address : name,
        port,
        socket: transport,
        secureContext,
        rejectUnauthorized,
        servername: isIP(name) === 0 ? name : undefined,
      });
    },
  };
}

/** `tcpConnect` over TLS (`readCb`, `connectCb` and `data` wait for the handshake). */
export function tcpSslConnect(host: string, port: number, readCb: StreamReadCb | null, options: TlsConnectOptions & { stream: true }): AsyncIoStream;
export function tcpSslConnect(host: string, port: number, readCb: SocketReadCb | null, options?: TlsConnectOptions): AsyncSocket;
export function tcpSslConnect(
  host: string,
  port: number,
  readCb: SocketReadCb | null,
  eventCb?: EventCb | null,
  options?: TlsConnectOptions,
): AsyncSocket;
export function tcpSslConnect(
  host: string,
  port: number,
  readCb: AnyReadCb | null,
  a?: EventCb | TlsConnectOptions | null,
  b?: TlsConnectOptions,
): AsyncSocket | AsyncIoStream {
  const options = withEventCb(a, b);
  const socket = makeSocket('tls', tlsConnector(options), readCb, options);
  connectTcpSocket(socket, host, port);
  return socketOrStream(socket, options);
}

/** A TLS socket configured but not connected; connect it with `connectTcpSocket`. */
export function initTcpSslSocket(readCb: SocketReadCb | StreamReadCb | null, options: TlsConnectOptions = {}): AsyncSocket | AsyncIoStream {
  return socketOrStream(makeSocket('tls', tlsConnector(options), readCb as AnyReadCb | null, options), options);
}

/**
 * `tcpServer` over TLS: `certificate` and `key` (with `password` if encrypted) are required.
 * A client whose handshake fails is reported to `eventCb` as a `TcpSslError`.
 */
export function tcpSslServer(bindAddress: string | null, port: number, readCb: StreamReadCb | null, options: TlsServerOptions & { stream: true }): TcpServer;
export function tcpSslServer(bindAddress: string | null, port: number, readCb: SocketReadCb | null, options?: TlsServerOptions): TcpServer;
export function tcpSslServer(bindAddress: string | null, port: number, readCb: StreamReadCb | null, eventCb: EventCb | null, options: TlsServerOptions & { stream: true }): TcpServer;
export function tcpSslServer(bindAddress: string | null, port: number, readCb: SocketReadCb | null, eventCb?: EventCb | null, options?: TlsServerOptions): TcpServer;
export function tcpSslServer(
  bindAddress: string | null,
  port: number,
  readCb: AnyReadCb | null,
  a?: EventCb | TlsServerOptions | null,
  b?: TlsServerOptions,
): TcpServer {
  const options = withEventCb(a, b);
  let server: tls.Server;
  try {
    const verify = options.verify === true;
    server = tls.createServer({ ...contextOptions(options), requestCert: verify, rejectUnauthorized: verify });
  } catch (err) {
    throw loadFailed(err);
  }
  const tcpServer = listenTcp(server, 'tls-server', 'tls', bindAddress, port, readCb, options, 'secureConnection');
  server.on('tlsClientError', (err: NodeJS.ErrnoException) =>
    tcpServer._event(conditionFromNodeError(err, { socket: tcpServer, tls: true })),
  );
  return tcpServer;
}
