/**
 * Drakma's `cookie-jar`, with RFC 6265's rules: `Set-Cookie` parsing (§5.2), the storage model
 * (§5.3) and the `Cookie` header (§5.4).
 *
 * Where RFC 6265 and Drakma differ the RFC wins, as browsers do: a `Set-Cookie` without `=` is
 * ignored, an unparseable `Expires` is ignored (the cookie is kept), and the `Domain` attribute
 * must domain-match the request host.
 */

import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/** One cookie as the jar lists it (Drakma's `cookie` slots, plus the RFC's host-only flag). */
export interface Cookie {
  name: string;
  value: string;
  /** Lower-case, punycode, no leading dot. */
  domain: string;
  path: string;
  /** `null` for a session cookie. */
  expires: Date | null;
  secure: boolean;
  httpOnly: boolean;
  /** Sent to `domain` only, not to its subdomains (no `Domain` attribute was given). */
  hostOnly: boolean;
  /** The `SameSite` attribute as sent (`Strict`, `Lax`, `None`…), kept but not enforced. */
  sameSite: string | null;
}

/** A cookie put into the jar by hand (Drakma: `make-instance 'cookie`). */
export interface CookieInit {
  name: string;
  value?: string;
  /** A leading dot is ignored. */
  domain: string;
  path?: string;
  expires?: Date | null;
  secure?: boolean;
  httpOnly?: boolean;
  /** Default false: the cookie also goes to subdomains, as in Drakma. */
  hostOnly?: boolean;
  sameSite?: string | null;
}

/** A parsed `Set-Cookie` field value, before the storage rules apply. */
export interface SetCookie {
  name: string;
  value: string;
  /** From `Expires`, when it parsed. */
  expires?: Date;
  /** From `Max-Age`, in seconds; wins over `expires`. */
  maxAge?: number;
  /** As given, leading dot removed, lower-cased; never empty. */
  domain?: string;
  /** Only when it starts with `/`; otherwise the default path applies. */
  path?: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
}

export interface CookieJarOptions {
  /** Cookies to start with. */
  cookies?: Iterable<CookieInit>;
  /** Clock in milliseconds since the epoch (tests pass a fixed one). Default `Date.now`. */
  now?: () => number;
  /**
   * Whether a `Domain` attribute names a public suffix, on which no cookie may be set except a
   * host-only one by that very host. Plug a Public Suffix List lookup in here; the default
   * treats single-label names (`com`, `localhost`) as public suffixes.
   */
  isPublicSuffix?: (domain: string) => boolean;
}

// RFC 6265bis §5.6: browsers refuse longer name+value pairs.
const MAX_NAME_VALUE = 4096;
// Controls other than HTAB would corrupt the `Cookie` header we send back.
const CONTROL_CHARS = /[\x00-\x08\x0a-\x1f\x7f]/;
// Past the last valid Date: a "never" that still fits a Date.
const MAX_TIME = 8.64e15;

interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  /** Milliseconds since the epoch, Infinity for a session cookie. */
  expiry: number;
  secure: boolean;
  httpOnly: boolean;
  hostOnly: boolean;
  sameSite: string | null;
  /** Creation order, kept on replacement (§5.3 step 11.3) and used to sort the header. */
  created: number;
}

export class CookieJar {
  private readonly store = new Map<string, StoredCookie>();
  private readonly now: () => number;
  private readonly isPublicSuffix: (domain: string) => boolean;
  private sequence = 0;

  constructor(options: CookieJarOptions = {}) {
    this.now = options.now ?? Date.now;
    this.isPublicSuffix = options.isPublicSuffix ?? isSingleLabel;
    if (options.cookies) for (const cookie of options.cookies) this.addCookie(cookie);
  }

  /** The unexpired cookies, oldest first (Drakma's `cookie-jar-cookies`). */
  get cookies(): Cookie[] {
    this.evictExpired();
    return Array.from(this.store.values(), toCookie);
  }

  /** Put a cookie in by hand, replacing one with the same name, domain and path. */
  addCookie(init: CookieInit): Cookie {
    const domain = canonicalDomain(init.domain);
    if (!init.name || domain === null) throw new TypeError(`Invalid cookie: ${JSON.stringify(init)}`);
    const cookie: StoredCookie = {
      name: init.name,
      value: init.value ?? '',
      domain,
      path: init.path ?? '/',
      expiry: init.expires ? init.expires.getTime() : Infinity,
      secure: init.secure ?? false,
      httpOnly: init.httpOnly ?? false,
      hostOnly: init.hostOnly ?? false,
      sameSite: init.sameSite ?? null,
      created: 0,
    };
    this.put(cookie);
    return toCookie(cookie);
  }

  /**
   * Store one `Set-Cookie` value received from `url`. Returns the stored cookie, or `null` when it
   * was refused or only deleted an older one (an expiry in the past).
   */
  setCookie(setCookie: string, url: URL | string): Cookie | null {
    const parsed = parseSetCookie(setCookie);
    if (parsed === null) return null;
    const target = typeof url === 'string' ? new URL(url) : url;
    const host = target.hostname;

    let domain = parsed.domain;
    if (domain !== undefined && (isIpHost(host) || this.isPublicSuffix(domain))) {
      // §5.3 step 5: a public suffix (or an IP) may only name the host itself, as a host-only cookie.
      if (domain !== host) return null;
      domain = undefined;
    }
    if (domain !== undefined && !domainMatch(host, domain)) return null;

    const now = this.now();
    let expiry = Infinity;
    if (parsed.maxAge !== undefined) expiry = parsed.maxAge <= 0 ? -Infinity : Math.min(now + parsed.maxAge * 1000, MAX_TIME);
    else if (parsed.expires !== undefined) expiry = parsed.expires.getTime();

    const cookie: StoredCookie = {
      name: parsed.name,
      value: parsed.value,
      domain: domain ?? host,
      path: parsed.path ?? defaultPath(target.pathname),
      expiry,
      secure: parsed.secure,
      httpOnly: parsed.httpOnly,
      hostOnly: domain === undefined,
      sameSite: parsed.sameSite ?? null,
      created: 0,
    };
    if (expiry <= now) {
      this.store.delete(keyOf(cookie));
      return null;
    }
    this.put(cookie);
    return toCookie(cookie);
  }

  /** Store every `set-cookie` of a response's headers alist (`[lowercaseName, value][]`). */
  updateFromResponse(url: URL | string, headers: ReadonlyArray<readonly [string, string]>): void {
    const target = typeof url === 'string' ? new URL(url) : url;
    for (const [name, value] of headers) {
      if (name.toLowerCase() === 'set-cookie') this.setCookie(value, target);
    }
  }

  /**
   * The `Cookie` header value for a request to `url` (RFC 6265 §5.4), or `null` when no cookie
   * applies. Longer paths come first, then older cookies.
   */
  cookieHeader(url: URL | string): string | null {
    const target = typeof url === 'string' ? new URL(url) : url;
    const host = target.hostname;
    const path = target.pathname || '/';
    const secure = target.protocol === 'https:' || target.protocol === 'wss:';
    const now = this.now();
    const matches: StoredCookie[] = [];
    for (const [key, cookie] of this.store) {
      if (cookie.expiry <= now) {
        this.store.delete(key);
        continue;
      }
      if (cookie.hostOnly ? host !== cookie.domain : !domainMatch(host, cookie.domain)) continue;
      if (!pathMatch(path, cookie.path) || (cookie.secure && !secure)) continue;
      matches.push(cookie);
    }
    if (matches.length === 0) return null;
    matches.sort(byPathThenAge);
    let header = `${matches[0].name}=${matches[0].value}`;
    for (let i = 1; i < matches.length; i++) header += `; ${matches[i].name}=${matches[i].value}`;
    return header;
  }

  /** Drop expired and session cookies (Drakma's `delete-old-cookies`). */
  deleteOldCookies(): void {
    const now = this.now();
    for (const [key, cookie] of this.store) {
      if (cookie.expiry <= now || cookie.expiry === Infinity) this.store.delete(key);
    }
  }

  clear(): void {
    this.store.clear();
  }

  private put(cookie: StoredCookie): void {
    const key = keyOf(cookie);
    const old = this.store.get(key);
    cookie.created = old ? old.created : ++this.sequence;
    this.store.set(key, cookie);
  }

  private evictExpired(): void {
    const now = this.now();
    for (const [key, cookie] of this.store) if (cookie.expiry <= now) this.store.delete(key);
  }
}

/**
 * Parse one `Set-Cookie` field value (RFC 6265 §5.2). `null` when there is no `name=` pair, the
 * name is empty, or the pair is too long or holds control characters.
 */
export function parseSetCookie(header: string): SetCookie | null {
  const semi = header.indexOf(';');
  const pair = semi === -1 ? header : header.slice(0, semi);
  const eq = pair.indexOf('=');
  if (eq === -1) return null;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (name === '' || name.length + value.length > MAX_NAME_VALUE || CONTROL_CHARS.test(pair)) return null;

  const cookie: SetCookie = { name, value, secure: false, httpOnly: false };
  let start = semi;
  while (start !== -1) {
    const end = header.indexOf(';', start + 1);
    const av = end === -1 ? header.slice(start + 1) : header.slice(start + 1, end);
    start = end;
    const avEq = av.indexOf('=');
    const key = (avEq === -1 ? av : av.slice(0, avEq)).trim().toLowerCase();
    const arg = avEq === -1 ? '' : av.slice(avEq + 1).trim();
    switch (key) {
      case 'expires': {
        const date = parseCookieDate(arg);
        if (date) cookie.expires = date;
        break;
      }
      case 'max-age':
        if (/^-?\d+$/.test(arg)) cookie.maxAge = Number(arg);
        break;
      case 'domain': {
        const domain = canonicalDomain(arg);
        if (domain !== null) cookie.domain = domain;
        break;
      }
      case 'path':
        if (arg.startsWith('/')) cookie.path = arg;
        else delete cookie.path;
        break;
      case 'secure':
        cookie.secure = true;
        break;
      case 'httponly':
        cookie.httpOnly = true;
        break;
      case 'samesite':
        cookie.sameSite = arg;
        break;
    }
  }
  return cookie;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// §5.1.1 delimiter: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E.
const DATE_DELIMITERS = /[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+/;
const TIME_TOKEN = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D|$)/;
const DAY_TOKEN = /^(\d{1,2})(?:\D|$)/;
const YEAR_TOKEN = /^(\d{2,4})(?:\D|$)/;

/**
 * Parse a cookie date the way browsers do (RFC 6265 §5.1.1): RFC 1123, RFC 850 (`06-Feb-08`),
 * asctime, full month and day names all parse; the zone is ignored (always UTC). As in Drakma,
 * a numeric month (`07-02-2017`) is also read when no month name appears. `null` if invalid.
 */
export function parseCookieDate(text: string): Date | null {
  let hour = -1, minute = -1, second = -1, day = -1, month = -1, year = -1;
  let numericMonth = -1;
  for (const token of text.split(DATE_DELIMITERS)) {
    if (token === '') continue;
    let m: RegExpExecArray | null;
    if (hour < 0 && (m = TIME_TOKEN.exec(token)) !== null) {
      hour = +m[1];
      minute = +m[2];
      second = +m[3];
    } else if (day < 0 && (m = DAY_TOKEN.exec(token)) !== null) {
      day = +m[1];
    } else if (month < 0 && token.length >= 3 && MONTHS.includes(token.slice(0, 3).toLowerCase())) {
      month = MONTHS.indexOf(token.slice(0, 3).toLowerCase());
    } else if (month < 0 && numericMonth < 0 && year < 0 && (m = DAY_TOKEN.exec(token)) !== null) {
      // Drakma's `dd-mm-yyyy`: a second small number before the year stands for the month.
      numericMonth = +m[1] - 1;
    } else if (year < 0 && (m = YEAR_TOKEN.exec(token)) !== null) {
      year = +m[1];
    }
  }
  if (month < 0) month = numericMonth;
  if (year >= 70 && year <= 99) year += 1900;
  else if (year >= 0 && year <= 69) year += 2000;
  if (hour < 0 || day < 1 || day > 31 || month < 0 || month > 11 || year < 1601) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const time = Date.UTC(year, month, day, hour, minute, second);
  const date = new Date(time);
  // Date.UTC rolls 31 Feb over into March; the RFC calls such a date invalid.
  return date.getUTCDate() === day ? date : null;
}

function toCookie(c: StoredCookie): Cookie {
  return {
    name: c.name,
    value: c.value,
    domain: c.domain,
    path: c.path,
    expires: c.expiry === Infinity ? null : new Date(Math.max(c.expiry, -MAX_TIME)),
    secure: c.secure,
    httpOnly: c.httpOnly,
    hostOnly: c.hostOnly,
    sameSite: c.sameSite,
  };
}

function keyOf(c: StoredCookie): string {
  return `${c.name}\0${c.domain}\0${c.path}`;
}

function byPathThenAge(a: StoredCookie, b: StoredCookie): number {
  return b.path.length - a.path.length || a.created - b.created;
}

/** Lower-case punycode without the leading dot; `null` when empty or not a valid name. */
function canonicalDomain(domain: string): string | null {
  const bare = domain.startsWith('.') ? domain.slice(1) : domain;
  if (bare === '') return null;
  const ascii = domainToASCII(bare);
  return ascii === '' ? null : ascii;
}

function isSingleLabel(domain: string): boolean {
  return !domain.includes('.');
}

function isIpHost(host: string): boolean {
  return host.startsWith('[') || isIP(host) !== 0;
}

/** RFC 6265 §5.1.3: the host is the domain or a subdomain of it, and not an IP address. */
function domainMatch(host: string, domain: string): boolean {
  if (host === domain) return true;
  return (
    host.length > domain.length &&
    host.endsWith(domain) &&
    host.charCodeAt(host.length - domain.length - 1) === 0x2e /* . */ &&
    !isIpHost(host)
  );
}

/** RFC 6265 §5.1.4: the directory of the request path. */
function defaultPath(path: string): string {
  if (!path.startsWith('/')) return '/';
  const slash = path.lastIndexOf('/');
  return slash === 0 ? '/' : path.slice(0, slash);
}

/** RFC 6265 §5.1.4: `/docs` matches `/docs`, `/docs/` and `/docs/x`, not `/docsx`. */
function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (!requestPath.startsWith(cookiePath)) return false;
  return (
    requestPath.length === cookiePath.length ||
    cookiePath.endsWith('/') ||
    requestPath.charCodeAt(cookiePath.length) === 0x2f /* / */
  );
}
