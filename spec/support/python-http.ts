/**
 * Python's `http.server` as a peer for end-to-end tests of the HTTP client: an HTTP/1.0
 * server that closes after each response. Either the stock command line
 * (`python3 -m http.server --bind 127.0.0.1 --directory DIR 0`), or the same
 * `SimpleHTTPRequestHandler` with two additions: each log line starts with the client's port
 * (so connections can be told apart), and `GET /until-close` answers with a body that has no
 * length, delimited by the close. Port 0: the server prints the port it chose.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { findExecutable } from './sockets';

export interface PythonHttp {
  port: number;
  url: string;
  /** What the server logged so far (one line per request). */
  log(): string[];
  /** Wait until `count` log lines match `pattern`. */
  waitForLog(pattern: RegExp, count: number, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

export interface PythonHttpOptions {
  /** `'cli'`: the stock `python3 -m http.server`; `'ports'`: with client ports and `/until-close`. */
  mode?: 'cli' | 'ports';
  /** `HTTP/1.0` (the default, close after each response) or `HTTP/1.1` (keep-alive); `'ports'` mode only. */
  protocol?: 'HTTP/1.0' | 'HTTP/1.1';
}

/** The text `/until-close` sends, in pieces. */
export const UNTIL_CLOSE_PIECES = ['first piece\n', 'second piece\n', 'third and last piece\n'];

const PORTS_SCRIPT = `
import sys, time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

PIECES = ${JSON.stringify(UNTIL_CLOSE_PIECES)}

class Handler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("%d %s\\n" % (self.client_address[1], format % args))
        sys.stderr.flush()

    def do_GET(self):
        if self.path != "/until-close":
            return super().do_GET()
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        for piece in PIECES:
            self.wfile.write(piece.encode())
            self.wfile.flush()
            time.sleep(0.02)

directory, protocol = sys.argv[1], sys.argv[2]
Handler.protocol_version = protocol
with ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=directory)) as httpd:
    print("Serving HTTP on 127.0.0.1 port %d" % httpd.server_address[1], flush=True)
    httpd.serve_forever()
`;

/** python3 on PATH (or `$PYTHON`). */
export function findPython(): string | null {
  return findExecutable('python3', 'PYTHON', ['/usr/bin']);
}

export async function startPythonHttp(directory: string, options: PythonHttpOptions = {}): Promise<PythonHttp> {
  const python = findPython();
  if (python === null) {
    throw new Error('python3 not found (looked in $PYTHON and PATH): install the Debian package `python3` to run the end-to-end tests');
  }
  const args =
    options.mode === 'ports'
      ? ['-u', '-c', PORTS_SCRIPT, directory, options.protocol ?? 'HTTP/1.0']
      : ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', directory, '0'];
  const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  // If the test process dies without `stop()`, the server must not outlive it.
  const onExit = (): void => void child.kill('SIGKILL');
  process.once('exit', onExit);
  void exited.then(() => process.off('exit', onExit));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`python http.server printed no port within 10 s:\n${stdout}\n${stderr}`)), 10_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      void kill(child, exited).then(() => reject(err));
    };
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /Serving HTTP on \S+ port (\d+)/.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => fail(new Error(`python http.server exited (${code}) before listening:\n${stdout}\n${stderr}`)));
    child.once('error', (err) => fail(err));
  });

  const log = (): string[] => stderr.split('\n').filter(Boolean);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    async waitForLog(pattern, count, timeoutMs = 2000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const lines = log().filter((line) => pattern.test(line));
        if (lines.length >= count || Date.now() > until) return lines;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => kill(child, exited),
  };
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
