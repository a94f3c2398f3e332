/**
 * URLs as the HTTP client needs them: connection keys, request lines, `Host`, and the rules for
 * following redirects (RFC 9110 §15.4, DESIGN §8).
 */

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

function unsupportedScheme(url: URL): TypeError {
  return Object.assign(new TypeError(`Unsupported URL scheme ${url.protocol} (only http: and https:)`), {
    code: 'ERR_INVALID_URL_SCHEME',
  });
}

function toUrl(url: URL | string): URL {
  return typeof url === 'string' ? new URL(url) : url;
}

/** The port to connect to: the URL's own, or 80/443. Throws for schemes other than http(s). */
export function portOf(url: URL): number {
  const port = DEFAULT_PORTS[url.protocol];
  if (port === undefined) throw unsupportedScheme(url);
  return url.port === '' ? port : Number(url.port);
}

/** The host to connect to: `url.hostname` without the brackets of an IPv6 literal. */
export function connectHost(url: URL): string {
  const host = url.hostname;
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/**
 * `scheme://host:port` with the port always written, so that `http://a` and `http://a:80` give
 * the same key (for the connection pool and for comparing origins).
 */
export function originOf(url: URL | string): string {
  const u = toUrl(url);
  return `${u.protocol}//${u.hostname}:${portOf(u)}`;
}

/** True when `a` and `b` differ in scheme, host or port. */
export function crossOrigin(a: URL | string, b: URL | string): boolean {
  return originOf(a) !== originOf(b);
}

/** The `Host` header: host name (punycode, IPv6 in brackets) and the port unless it is the default. */
export function hostHeader(url: URL): string {
  // WHATWG URLs already drop a default port from `host`.
  return url.host;
}

export interface RequestTargetOptions {
  /**
   * Send the path and query exactly as written in `url` (which must then be the caller's string),
   * without WHATWG normalisation or re-escaping (Drakma's `:preserve-uri`).
   */
  preserveUri?: boolean;
  /** The absolute form (`http://host/path?q`), for requests sent to a forwarding proxy. */
  absolute?: boolean;
}

// The scheme and authority of an absolute URL string, then its path and query.
const RAW_PATH_AND_QUERY = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]*([^#]*)/i;
// What Node's http client also refuses in a path: controls, space, and non-Latin-1 characters.
const INVALID_TARGET = /[^\u0021-\u00ff]/;

/**
 * The request-target of the request line (RFC 9112 §3.2): origin form `/path?query` by default.
 * The fragment is never sent.
 *
 * @throws TypeError (code `ERR_UNESCAPED_CHARACTERS`) when a preserved target holds characters a
 * request line cannot carry.
 */
export function requestTarget(url: URL | string, options: RequestTargetOptions = {}): string {
  const u = toUrl(url);
  let target: string;
  if (options.preserveUri && typeof url === 'string') {
    const raw = RAW_PATH_AND_QUERY.exec(url)?.[1] ?? '';
    target = raw.startsWith('/') ? raw : `/${raw}`;
    if (INVALID_TARGET.test(target)) {
      throw Object.assign(new TypeError(`Request path contains unescaped characters: ${JSON.stringify(target)}`), {
        code: 'ERR_UNESCAPED_CHARACTERS',
      });
    }
  } else {
    target = u.pathname + u.search;
  }
  // Userinfo never goes on the wire (RFC 9110 §4.2.4).
  return options.absolute ? `${u.protocol}//${u.host}${target}` : target;
}

/**
 * How a request to `url` goes through an HTTP proxy, which also says where `Proxy-Authorization`
 * goes: `forward` (http) sends the absolute form to the proxy with `Proxy-Authorization` on every
 * request; `tunnel` (https) sends it on the `CONNECT` request only, never through the tunnel to
 * the origin. Without a proxy it is never sent.
 */
export function proxyMode(url: URL): 'forward' | 'tunnel' {
  if (url.protocol === 'https:') return 'tunnel';
  if (url.protocol === 'http:') return 'forward';
  throw unsupportedScheme(url);
}

// ---------------------------------------------------------------------------------------
// Redirects

/** The statuses followed: 301 302 303 307 308. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export interface RedirectPolicy {
  /** Whether the status is a redirect to follow. */
  follow: boolean;
  /** The method of the next request. */
  method: string;
  /** Whether the next request sends the body again. */
  keepBody: boolean;
}

/**
 * What a redirect does to the request (DESIGN §8): 301, 302 and 303 turn any method but HEAD into
 * a GET without body (HEAD stays HEAD); 307 and 308 keep the method and the body. (The Fetch
 * standard rewrites only POST on 301 and 302; we rewrite every method, as the design says.)
 */
export function redirectPolicy(status: number, method: string, hasBody: boolean): RedirectPolicy {
  switch (status) {
    case 301:
    case 302:
    case 303:
      return { follow: true, method: method.toUpperCase() === 'HEAD' ? method : 'GET', keepBody: false };
    case 307:
    case 308:
      return { follow: true, method, keepBody: hasBody };
    default:
      return { follow: false, method, keepBody: hasBody };
  }
}

/**
 * The URL a `Location` header points to, resolved against the request URL `base`. A Location
 * without a fragment inherits the request's (RFC 9110 §10.2.2). `null` when the Location is
 * empty, unparseable, or not http(s): the caller then returns the 3xx itself.
 */
export function resolveRedirect(base: URL | string, location: string): URL | null {
  const baseUrl = toUrl(base);
  const text = asUtf8(location.trim());
  if (text === '') return null;
  let target: URL;
  try {
    target = new URL(text, baseUrl);
  } catch {
    return null;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return null;
  if (baseUrl.hash !== '' && !text.includes('#')) target.hash = baseUrl.hash;
  return target;
}

/**
 * Header values arrive as Latin-1 text, but servers put raw UTF-8 in `Location` and browsers read
 * it as UTF-8: re-read such a value as UTF-8 when it is valid UTF-8.
 */
function asUtf8(text: string): string {
  if (!/[\x80-\xff]/.test(text) || /[^\x00-\xff]/.test(text)) return text;
  const decoded = Buffer.from(text, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? text : decoded;
}

// Credentials and names bound to the origin: not for another one.
const ORIGIN_BOUND_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization', 'host']);
// Headers that describe the body (the Fetch standard's request-body-header names, and framing).
const BODY_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
  'transfer-encoding',
]);

/**
 * The caller's request headers to send again after a redirect from `from` to `to`. Across origins
 * `Authorization`, `Cookie` (the jar recomputes it), `Proxy-Authorization` and `Host` are dropped;
 * when the body is dropped, so are the headers describing it. Names are compared case-insensitively.
 */
export function redirectHeaders<T extends readonly [string, unknown]>(
  headers: readonly T[],
  from: URL,
  to: URL,
  keepBody: boolean,
): T[] {
  const cross = crossOrigin(from, to);
  if (!cross && keepBody) return headers.slice();
  return headers.filter(([name]) => {
    const lower = name.toLowerCase();
    return !(cross && ORIGIN_BOUND_HEADERS.has(lower)) && !(!keepBody && BODY_HEADERS.has(lower));
  });
}

/**
 * The `Referer` for a redirected request (Drakma's `auto-referer`): the redirecting URL without
 * fragment or userinfo, or `null` from https to http (browsers' default policy never leaks an
 * https URL to plain http).
 */
export function refererFor(from: URL, to: URL): string | null {
  if (from.protocol === 'https:' && to.protocol !== 'https:') return null;
  const referer = new URL(from.href);
  referer.hash = '';
  referer.username = '';
  referer.password = '';
  return referer.href;
}
