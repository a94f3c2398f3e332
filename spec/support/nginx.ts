/**
 * A real nginx for end-to-end tests of the HTTP client: started as a child process on a free
 * loopback port, with its prefix, config, pid file, logs, temp paths and document root in a
 * fresh temporary directory that `stop()` removes.
 *
 * nginx is a Debian package that `.ci/run` installs. When it cannot be found the suite fails
 * (it never skips): `startNginx` rejects with a message saying what to install.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { findExecutable, freePort } from './sockets';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Nginx {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** A second origin (another port of the same nginx) that serves only `/echo`. */
  otherUrl: string;
  /** A forward proxy (nginx's proxy_pass to the Host asked for). */
  proxyPort: number;
  /** Request lines the proxy received, as sent. */
  proxyLog(): string[];
  /** The temporary prefix (config, logs, temp paths). */
  prefix: string;
  /** The document root: files put here are served at `/<name>`. */
  root: string;
  // Also: `/echo` and `/private/echo` (the request as nginx saw it, see `ECHO_FIELDS`), 301, 302,
  // 303, 307 and 308 redirects, `/set-cookie`, `/private/` (basic authentication), `/sink`,
  // and the document root again under `/ka3/` (keepalive_requests 3), `/ka-short/`
  // (keepalive_timeout 1) and `/ka-hint/` (`Keep-Alive: timeout=1`).
  /** Where `PUT /upload/<name>` (WebDAV) stores its files. */
  uploads: string;
  /** Access log entries so far (see `LOG_FORMAT`). */
  accessLog(): AccessEntry[];
  /** Wait until the access log has an entry for each of `count` requests matching `filter`. */
  waitForLog(filter: (e: AccessEntry) => boolean, count: number, timeoutMs?: number): Promise<AccessEntry[]>;
  errorLog(): string;
  stop(): Promise<void>;
}

/** One access log line: `$connection $connection_requests $request_method $request_uri $status $body_bytes_sent $request_length`. */
export interface AccessEntry {
  connection: number;
  connectionRequests: number;
  method: string;
  uri: string;
  status: number;
  bodyBytes: number;
  requestLength: number;
}

const LOG_FORMAT = '$connection $connection_requests $request_method $request_uri $status $body_bytes_sent $request_length';
/** The one user of `/private/` (basic authentication; nginx's file format allows no `:` in a password). */
export const BASIC_USER = 'e2e-user';
export const BASIC_PASSWORD = 'päss wörd';
const SEARCH = ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin', '/sbin'];

/** The nginx binary: `$NGINX`, then `PATH`, then the sbin directories Debian uses. */
export function findNginx(): string | null {
  return findExecutable('nginx', 'NGINX', SEARCH);
}

/** What `GET /echo` answers: the request as nginx saw it, one `name=value` line each. */
export const ECHO_FIELDS: Record<string, string> = {
  method: '$request_method',
  uri: '$request_uri',
  args: '$args',
  host: '$http_host',
  ua: '$http_user_agent',
  accept: '$http_accept',
  ae: '$http_accept_encoding',
  connection: '$http_connection',
  range: '$http_range',
  auth: '$http_authorization',
  user: '$remote_user',
  cookie: '$http_cookie',
  referer: '$http_referer',
  ctype: '$content_type',
  clen: '$content_length',
  te: '$http_transfer_encoding',
  custom: '$http_x_custom',
  /** The Proxy-Authorization the proxy server (`proxyUrl`) received, passed on. */
  proxyauth: '$http_x_proxy_auth',
};

/** Parse an `/echo` answer. */
export function parseEcho(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of String(body).split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

function echoLocation(path = '/echo'): string {
  const text = Object.entries(ECHO_FIELDS)
    .map(([name, variable]) => `${name}=${variable}\\n`)
    .join('');
  return `location = ${path} { default_type text/plain; return 200 "${text}"; }`;
}

function config(prefix: string, port: number, otherPort: number, proxyPort: number): string {
  const root = join(prefix, 'html');
  const temp = (name: string): string => join(prefix, 'temp', name);
  // Workers of a root master switch to `nobody`, who cannot enter a 0700 temp directory.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} info;
events { worker_connections 512; }
http {
  types { text/plain txt; text/html html; application/octet-stream bin; }
  default_type application/octet-stream;
  log_format e2e '${LOG_FORMAT}';
  access_log ${join(prefix, 'logs', 'access.log')} e2e;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  sendfile on;
  keepalive_timeout 65;
  keepalive_requests 1000;
  server_tokens off;
  gzip on;
  gzip_types text/plain;
  gzip_min_length 1;
  server {
    listen 127.0.0.1:${port};
    server_name localhost;
    root ${root};
    location = /moved { return 301 /small.txt; }
    location = /found { return 302 http://127.0.0.1:${port}/small.txt?from=found; }
    location = /loop { return 302 /loop; }
    ${echoLocation()}
    ${echoLocation('/private/echo')}
    location = /to-echo { return 302 /echo; }
    location = /see-other { return 303 /echo; }
    location = /temporary { return 307 /echo; }
    location = /permanent { return 308 /echo; }
    location = /to-other { return 302 http://127.0.0.1:${otherPort}/echo; }
    location = /set-cookie { add_header Set-Cookie "session=abc123; Path=/"; add_header Set-Cookie "theme=dark; Path=/private/"; return 200 "set\\n"; }
    location /ka3/ { keepalive_requests 3; alias ${root}/; }
    location /ka-short/ { keepalive_timeout 1; alias ${root}/; }
    location /ka-hint/ { keepalive_timeout 30 1; alias ${root}/; }
    location /private/ {
      auth_basic "e2e";
      auth_basic_user_file ${join(prefix, 'htpasswd')};
      alias ${root}/;
    }
    location = /sink { client_max_body_size 100m; return 200 "sunk\\n"; }
    location /upload/ {
      alias ${join(prefix, 'uploads')}/;
      dav_methods PUT DELETE;
      create_full_put_path on;
      client_max_body_size 100m;
    }
  }
  # A second origin (another port), for cross-origin redirects.
  server {
    listen 127.0.0.1:${otherPort};
    ${echoLocation()}
  }
  # A forward proxy to the others (IP literals only: no resolver), logging request lines.
  log_format proxy '$request';
  server {
    listen 127.0.0.1:${proxyPort};
    access_log ${join(prefix, 'logs', 'proxy.log')} proxy;
    location / {
      proxy_pass http://$http_host;
      proxy_set_header Host $http_host;
      proxy_set_header X-Proxy-Auth $http_proxy_authorization;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

export async function startNginx(files: Record<string, string | Buffer> = {}): Promise<Nginx> {
  const binary = findNginx();
  if (binary === null) {
    throw new Error(
      'nginx not found (looked in $NGINX, PATH and /usr/sbin): install the Debian package `nginx` ' +
        '(apt-get install -y nginx; .ci/run does this) to run the end-to-end tests',
    );
  }
  const prefix = mkdtempSync(join(tmpdir(), 'cl-async-nginx-'));
  try {
    for (const dir of ['logs', 'temp', 'html', 'uploads']) mkdirSync(join(prefix, dir));
    // nginx reads {PLAIN} passwords as they are.
    writeFileSync(join(prefix, 'htpasswd'), `${BASIC_USER}:{PLAIN}${BASIC_PASSWORD}\n`);
    for (const [name, data] of Object.entries(files)) writeFileSync(join(prefix, 'html', name), data);
    for (let attempt = 1; ; attempt++) {
      const ports = new Set<number>();
      while (ports.size < 3) ports.add(await freePort());
      const [port, otherPort, proxyPort] = [...ports];
      writeFileSync(join(prefix, 'nginx.conf'), config(prefix, port, otherPort, proxyPort));
      try {
        return await launch(binary, prefix, port, otherPort, proxyPort);
      } catch (err) {
        // Someone took the port between our probe and nginx's bind: try another.
        if (attempt < 5 && /Address already in use/.test(String((err as Error).message))) continue;
        throw err;
      }
    }
  } catch (err) {
    rmSync(prefix, { recursive: true, force: true });
    throw err;
  }
}

async function launch(binary: string, prefix: string, port: number, otherPort: number, proxyPort: number): Promise<Nginx> {
  const errorLogFile = join(prefix, 'logs', 'error.log');
  const accessLogFile = join(prefix, 'logs', 'access.log');
  // `-e` sets the log used before the config is read (the compiled-in one is under /var/log).
  const child = spawn(binary, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', errorLogFile, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  let running = true;
  // If the test process dies without `stop()` (a crash, an uncaught error), nginx must not outlive it.
  const onExit = (): void => {
    // SIGTERM, not SIGKILL: the master takes its workers down with it.
    child.kill('SIGTERM');
    rmSync(prefix, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  void exited.then(() => {
    running = false;
    process.off('exit', onExit);
  });
  const readErrorLog = (): string => {
    try {
      return readFileSync(errorLogFile, 'utf8');
    } catch {
      return '';
    }
  };

  // Ready when the port accepts a connection; a config error makes nginx exit at once.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (!running) {
      throw new Error(`nginx exited before listening on ${port}:\n${output}\n${readErrorLog()}`);
    }
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      await kill(child, exited);
      throw new Error(`nginx did not listen on ${port} within 10 s:\n${output}\n${readErrorLog()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  const accessLog = (): AccessEntry[] => {
    let text = '';
    try {
      text = readFileSync(accessLogFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [connection, connectionRequests, method, uri, status, bodyBytes, requestLength] = line.split(' ');
        return {
          connection: Number(connection),
          connectionRequests: Number(connectionRequests),
          method,
          uri,
          status: Number(status),
          bodyBytes: Number(bodyBytes),
          requestLength: Number(requestLength),
        };
      });
  };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    otherUrl: `http://127.0.0.1:${otherPort}`,
    proxyPort,
    proxyLog: () => {
      try {
        return readFileSync(join(prefix, 'logs', 'proxy.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    prefix,
    root: join(prefix, 'html'),
    uploads: join(prefix, 'uploads'),
    accessLog,
    // nginx writes the log line once the response is out: poll briefly for it.
    async waitForLog(filter, count, timeoutMs = 2000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const entries = accessLog().filter(filter);
        if (entries.length >= count || Date.now() > until) return entries;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    errorLog: readErrorLog,
    async stop() {
      await kill(child, exited);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** The probe connection is closed at once; nginx logs nothing for it. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** SIGTERM is nginx's fast shutdown (master and workers); SIGKILL if it lingers. */
async function kill(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
