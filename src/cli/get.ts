/**
 * `cl-async get URL`: stream a download to stdout or a file, with a progress bar on stderr
 * when stderr is a terminal. Exit codes follow curl's, so scripts can tell failures apart.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setDnsServers } from '../dns';
import { DnsError, HttpEof, HttpError, HttpParseError, HttpRefused, HttpTimeout, TcpSslError } from '../errors';
import { withEventLoop } from '../event-loop';
import { headerValue, HeaderList } from '../http/headers';
import { httpRequest, HttpRequestOptions } from '../http/request';
import { CliError, CliIo, EXIT } from './io';
import { progressBar } from './progress';

export interface GetOptions {
  url: string;
  output?: string;
  method?: string;
  headers: string[];
  data?: string;
  follow: boolean;
  insecure: boolean;
  /** Seconds for connecting and between reads. */
  timeout?: number;
  dnsServer?: string;
}

/** Parse `Name: value` header arguments. */
function headerArgs(headers: string[]): Array<[string, string]> {
  return headers.map((h) => {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new CliError(`bad header ${JSON.stringify(h)}: expected 'Name: value'`, EXIT.usage);
    return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
  });
}

export async function get(options: GetOptions, io: CliIo): Promise<number> {
  const request: HttpRequestOptions = {
    method: options.method ?? (options.data === undefined ? 'GET' : 'POST'),
    additionalHeaders: headerArgs(options.headers),
    redirect: options.follow ? 10 : false,
    verify: !options.insecure,
    wantStream: true,
    connectionTimeout: options.timeout,
    readTimeout: options.timeout,
  };
  if (options.data !== undefined) {
    // curl's -d: a string, or @file for a file's contents.
    request.content = options.data.startsWith('@') ? createReadStream(options.data.slice(1)) : options.data;
  }
  let code: number = EXIT.ok;
  await withEventLoop(async () => {
    try {
      if (options.dnsServer !== undefined) setDnsServers([options.dnsServer]);
      code = await download(options, request, io);
    } catch (err) {
      throw describe(err, options.url);
    }
  });
  return code;
}

async function download(options: GetOptions, request: HttpRequestOptions, io: CliIo): Promise<number> {
  const future = httpRequest(options.url, request as HttpRequestOptions & { wantStream: true });
  const [body, status, headers, , , , reason] = (await new Promise<unknown[]>((resolve, reject) =>
    future.attach((...values: unknown[]) => resolve(values), reject),
  )) as [Readable, number, HeaderList, URL, unknown, boolean, string];
  if (status >= 400) {
    body.destroy();
    io.stderr.write(`cl-async: ${options.url}: HTTP ${status} ${reason}\n`);
    return EXIT.httpError;
  }
  const out: NodeJS.WritableStream = options.output === undefined ? io.stdout : createWriteStream(options.output);
  const length = headerValue('content-length', headers);
  const steps: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [body];
  if (io.stderrIsTTY) steps.push(counting(progressBar(length === undefined ? null : Number(length), io.stderr)));
  steps.push(out);
  try {
    await pipeline(steps as unknown as [Readable, Writable]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).syscall !== undefined && !(err instanceof HttpError)) {
      throw new CliError(`cannot write ${options.output ?? 'stdout'}: ${(err as Error).message}`, EXIT.writeError);
    }
    throw err;
  }
  return EXIT.ok;
}

/** Pass bytes through, counting them for the progress bar. */
function counting(progress: ReturnType<typeof progressBar>): Transform {
  let received = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      progress.update(received);
      callback(null, chunk);
    },
    flush(callback) {
      progress.stop();
      callback();
    },
  });
}

/** One clear line per failure, with curl's exit code. */
function describe(err: unknown, url: string): CliError {
  if (err instanceof CliError) return err;
  const e = err as Error & { code?: string };
  const code = e.code === undefined ? '' : ` (${e.code})`;
  if (err instanceof DnsError) return new CliError(`could not resolve host: ${new URL(url).hostname}${code}`, EXIT.dns);
  if (err instanceof HttpRefused) return new CliError(`connection refused: ${new URL(url).host}`, EXIT.connect);
  if (err instanceof HttpTimeout) return new CliError(`timed out: ${url}${code}`, EXIT.timeout);
  if (err instanceof TcpSslError) return new CliError(`TLS error: ${e.message}${code}`, EXIT.tls);
  if (err instanceof HttpParseError) return new CliError(`bad HTTP response: ${e.message}${code}`, EXIT.badResponse);
  if (err instanceof HttpEof) return new CliError(`connection closed before the response was complete${code}`, EXIT.partial);
  if (err instanceof HttpError && (e.code === 'ERR_INVALID_URL' || e.code === 'ERR_INVALID_URL_SCHEME')) {
    return new CliError(e.message, EXIT.usage);
  }
  return new CliError(`${e.message ?? String(err)}${code}`, EXIT.failure);
}
