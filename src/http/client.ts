/**
 * The 2012 HTTP module's client, `http-client`: one request, one connection, the whole
 * response handed to `requestCb(status, headers, body)`.
 *
 * A thin front on `httpRequest` (our own sockets, parser and pool): `close: true` (2012 always
 * sent `Connection: close`, and a `Connection` header given by the caller is dropped),
 * `redirect: false` (evhttp followed none), `forceBinary: true` (the body is bytes). `Host`
 * comes from the URI unless given. Non-2xx statuses still go to `requestCb`. Failures go to
 * `eventCb`: `HttpTimeout`, `HttpRefused`, `HttpEof`, `HttpParseError` (and `DnsError` or
 * `TcpSslError` for a name that does not resolve or a certificate that does not verify).
 */
import { EventCb, currentLoop } from '../event-loop';
import { attach } from '../future/future';
import type { HeaderList } from './headers';
import { httpRequest, HttpRequestOptions, HttpRequestValues } from './request';

export type HttpClientRequestCb = (status: number, headers: HeaderList, body: Buffer | null) => void;

export interface HttpClientOptions {
  /** Default `'GET'`. */
  method?: string;
  /** Request header fields: an object or `[name, value]` pairs. */
  headers?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]> | null;
  /** Request body (a string is sent as UTF-8), for any method. */
  body?: string | Uint8Array | null;
  /** Seconds to connect, and seconds without progress reading or writing. */
  timeout?: number | null;
  /** TLS settings for `https:` URIs (verification is on by default). */
  tls?: Pick<HttpRequestOptions, 'ca' | 'verify' | 'certificate' | 'key' | 'password' | 'ciphers'>;
}

/**
 * Send one request to `uri`; `requestCb(status, headers, body)` gets the response (any
 * status), `eventCb(condition)` a failure. Exactly one of them is called.
 */
export function httpClient(uri: string | URL, requestCb: HttpClientRequestCb, eventCb?: EventCb | null, options: HttpClientOptions = {}): void {
  const loop = currentLoop();
  const headers = options.headers == null ? [] : Array.isArray(options.headers) ? options.headers : Object.entries(options.headers);
  const timeout = options.timeout ?? undefined;
  const future = httpRequest(uri, {
    ...options.tls,
    method: options.method ?? 'GET',
    additionalHeaders: headers.filter(([name]) => name.toLowerCase() !== 'connection'),
    content: options.body ?? null,
    close: true,
    redirect: false,
    forceBinary: true,
    // Only the fields the caller gave, as evhttp sent.
    userAgent: null,
    accept: null,
    connectionTimeout: timeout,
    readTimeout: timeout,
    writeTimeout: timeout,
  });
  attach(
    future,
    (...values: unknown[]) => {
      const [body, status, responseHeaders] = values as HttpRequestValues;
      loop.invoke(eventCb, requestCb, status, responseHeaders, (body as Buffer | null) ?? null);
    },
    (err: unknown) => loop.deliver(eventCb, err),
  );
}
