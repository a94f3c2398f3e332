/**
 * DNS (`src/dns.lisp`): `dnsLookup` and `reverseDnsLookup`. An in-flight query is a loop
 * handle (the loop waits for it) and is counted in `stats().openDnsQueries`.
 *
 * By default queries go through the system resolver (`getaddrinfo`/`getnameinfo`, hosts file
 * included). Given DNS servers (per call, or per loop with `setDnsServers`), they go straight
 * to those servers through a `dns.Resolver` instead.
 */
import dns from 'node:dns';
import os from 'node:os';
import { isIP } from 'node:net';
import { DnsError } from './errors';
import { currentLoop, EventCb, EventLoop } from './event-loop';
import { LoopHandle } from './handle';

/** Address families, with Node's numbers so they pass straight to Node's APIs. */
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 4;
export const AF_INET6 = 6;

export type ResolveCb = (address: string, family: number) => void;
export type ReverseResolveCb = (host: string, service: string) => void;

export interface DnsServerOptions {
  /** DNS servers (`'1.2.3.4'`, `'1.2.3.4:5353'`, `'[::1]:53'`) to ask instead of the system resolver. */
  servers?: readonly string[] | null;
}

export interface DnsLookupOptions extends DnsServerOptions {
  eventCb?: EventCb | null;
  /** `AF_INET` (default, as cl-async v0.6), `AF_INET6` or `AF_UNSPEC`. */
  family?: number;
}

export interface ReverseDnsLookupOptions extends DnsServerOptions {
  eventCb?: EventCb | null;
}

type Done<A extends unknown[]> = (err: NodeJS.ErrnoException | null, ...answer: A) => void;

const SERVERS = Symbol('dns servers');

/** One query in flight. Closing it (loop exit) drops its answer and cancels its resolver. */
class DnsQuery extends LoopHandle {
  readonly kind = 'dns';

  constructor(
    loop: EventLoop,
    private readonly resolver: dns.Resolver | undefined,
  ) {
    super(loop);
    loop.counters.openDnsQueries++;
  }

  protected release(): void {
    this.loop.counters.openDnsQueries--;
    this.resolver?.cancel();
  }
}

function dnsError(err: NodeJS.ErrnoException, subject: string): DnsError {
  const code = err.code ?? 'CLASYNC_DNS_ERROR';
  return new DnsError({
    code,
    // getaddrinfo errors carry libuv's number; a Resolver's (c-ares) errors have none.
    errcode: err.errno ?? -1,
    errmsg: `DNS lookup fail: ${subject}: ${code}`,
    cause: err,
  });
}

/** Synchronous misuse: cl-async signals a request that cannot start. */
function invalid(message: string): DnsError {
  return new DnsError({ code: 'EINVAL', errcode: -os.constants.errno.EINVAL, errmsg: message });
}

/** A Resolver for these servers, or undefined for the system resolver. Throws on a bad address. */
function resolverFor(servers: readonly string[] | null | undefined): dns.Resolver | undefined {
  if (!servers || servers.length === 0) return undefined;
  const resolver = new dns.Resolver();
  try {
    resolver.setServers(servers as string[]);
  } catch (err) {
    throw invalid(`invalid DNS servers ${JSON.stringify(servers)}: ${(err as Error).message}`);
  }
  return resolver;
}

/**
 * Start a query and track it. `start` runs before the handle exists: a start that throws
 * leaves nothing behind (Node never answers synchronously).
 */
function query<A extends unknown[]>(
  subject: string,
  options: { eventCb?: EventCb | null; servers?: readonly string[] | null },
  resolveCb: (...answer: A) => void,
  start: (resolver: dns.Resolver | undefined, done: Done<A>) => void,
): void {
  const loop = currentLoop();
  const resolver = resolverFor(options.servers === undefined ? loopServers(loop) : options.servers);
  const eventCb = options.eventCb;
  const done: Done<A> = (err, ...answer) => {
    if (handle.closed) return;
    handle.close();
    if (err) loop.deliver(eventCb, dnsError(err, subject));
    else loop.invoke(eventCb, resolveCb, ...answer);
  };
  start(resolver, done);
  const handle = new DnsQuery(loop, resolver);
}

/** Ask the servers for A (or AAAA) records; `AF_UNSPEC` falls back to AAAA when a name has no A. */
function resolveWith(resolver: dns.Resolver, host: string, family: number, done: Done<[string, number]>): void {
  const want = family === AF_UNSPEC ? AF_INET : family;
  const answer = (err: NodeJS.ErrnoException | null, addresses: string[]): void => {
    if (err?.code === 'ENODATA' && family === AF_UNSPEC) resolveWith(resolver, host, AF_INET6, done);
    else if (err) done(err, '', want);
    else done(null, addresses[0]!, want);
  };
  if (want === AF_INET6) resolver.resolve6(host, answer);
  else resolver.resolve4(host, answer);
}

/**
 * Resolve `host` to its first address: `resolveCb(address, family)`, or a `DnsError` to
 * `eventCb`. A literal IP answers without a query (still on a later turn).
 */
export function dnsLookup(
  host: string,
  resolveCb: ResolveCb,
  eventCb?: EventCb | null,
  options?: DnsLookupOptions,
): void;
export function dnsLookup(host: string, resolveCb: ResolveCb, options?: DnsLookupOptions): void;
export function dnsLookup(
  host: string,
  resolveCb: ResolveCb,
  a?: EventCb | DnsLookupOptions | null,
  b?: DnsLookupOptions,
): void {
  const options: DnsLookupOptions = typeof a === 'function' ? { ...b, eventCb: a } : (a ?? b ?? {});
  const family = options.family ?? AF_INET;
  if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNSPEC) {
    throw invalid(`dnsLookup: family must be AF_INET, AF_INET6 or AF_UNSPEC, not ${family}`);
  }
  query(host, options, resolveCb, (resolver, done) => {
    const literal = isIP(host);
    if (literal !== 0) setImmediate(done, null, host, literal);
    else if (resolver) resolveWith(resolver, host, family, done);
    else dns.lookup(host, { family }, done);
  });
}

/**
 * Resolve `ip` back to a host name: `resolveCb(host, service)`, or a `DnsError`. A string
 * that is no IP address throws a `DnsError` (`EINVAL`) at the call.
 */
export function reverseDnsLookup(ip: string, resolveCb: ReverseResolveCb, options: ReverseDnsLookupOptions = {}): void {
  if (isIP(ip) === 0) throw invalid(`reverseDnsLookup: not an IP address: ${JSON.stringify(ip)}`);
  query(ip, options, resolveCb, (resolver, done) => {
    if (resolver === undefined) {
      dns.lookupService(ip, 0, done);
      return;
    }
    resolver.reverse(ip, (err, hosts) => {
      // getnameinfo names port 0's service "0"; a PTR answer has no service, so match it.
      if (err) done(err, '', '');
      else done(null, hosts[0]!, '0');
    });
  });
}

function loopServers(loop: EventLoop): readonly string[] | undefined {
  return loop.slots.get(SERVERS) as readonly string[] | undefined;
}

/**
 * Send the current loop's later lookups to these DNS servers (a call's own `servers` option
 * wins); `null` or `[]` goes back to the system resolver. Throws a `DnsError` on a bad address.
 */
export function setDnsServers(servers: readonly string[] | null): void {
  const loop = currentLoop();
  resolverFor(servers); // validate now, not at the first lookup
  if (servers && servers.length > 0) loop.slots.set(SERVERS, [...servers]);
  else loop.slots.delete(SERVERS);
}
