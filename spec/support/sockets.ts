/**
 * Helpers for the socket specs: leak checks on Node's own resource list, and children
 * (peers nobody here wrote) that are always killed.
 */
import { ChildProcess, spawn, SpawnOptions, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { AddressInfo, connect, createServer } from 'node:net';
import { expect } from 'chai';

/** Let closing handles finish closing (uv_close callbacks run a turn later). */
export async function settle(ms = 20): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** How many of Node's active resources are of `type` ('Timeout', 'TCPServerWrap', …). */
export function activeResources(type: string): number {
  return process.getActiveResourcesInfo().filter((name) => name === type).length;
}

function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/**
 * Snapshot Node's active resources; `check()` (after the loop finished) asserts no socket,
 * server or pipe handle is left beyond the snapshot.
 */
export async function resourceBaseline(): Promise<{ check(): Promise<void> }> {
  // Mocha arms its test timer after the test function returns its promise: let it.
  await settle(1);
  const before = countResources();
  return {
    async check() {
      await settle();
      const after = countResources();
      const leaked: string[] = [];
      for (const [name, n] of after) {
        if (!/TCP|Pipe|TLS|Timeout|Immediate/.test(name)) continue;
        if (n > (before.get(name) ?? 0)) leaked.push(`${name} x${n - (before.get(name) ?? 0)}`);
      }
      expect(leaked, 'leaked Node resources').to.deep.equal([]);
    },
  };
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic pseudo-random bytes. */
export function pattern(size: number, seed = 1): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

/** A child process killed by `stop()`; `line()` resolves with its first stdout line. */
export class Child {
  readonly proc: ChildProcess;
  private out = '';
  private err = '';
  private readonly outChunks: Buffer[] = [];
  private readonly exited: Promise<void>;

  constructor(command: string, args: string[], options: SpawnOptions = {}) {
    this.proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    this.proc.stdout?.on('data', (d: Buffer) => {
      this.outChunks.push(d);
      if (this.out.length < 4096) this.out += d.toString();
    });
    this.proc.stderr?.on('data', (d: Buffer) => (this.err += d.toString()));
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.once('error', () => resolve());
    });
  }

  get stdout(): string {
    return this.out;
  }

  /** Everything the child wrote to stdout, as bytes. */
  get stdoutBytes(): Buffer {
    return Buffer.concat(this.outChunks);
  }

  get stderr(): string {
    return this.err;
  }

  /** The first stdout line (the port a server printed). */
  async line(timeoutMs = 10000): Promise<string> {
    const start = Date.now();
    while (!this.out.includes('\n')) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`child exited early: ${this.err}`);
      }
      if (Date.now() - start > timeoutMs) throw new Error(`no output from child: ${this.err}`);
      await settle(10);
    }
    return this.out.slice(0, this.out.indexOf('\n')).trim();
  }

  async wait(): Promise<void> {
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

/** Fail (not skip) with a clear message when a peer program is missing. */
export function requireCommand(command: string, hint: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
  if (!found) throw new Error(`${command} is not installed: ${hint}`);
}

/** Resolve once something accepts connections at `target` (a port on 127.0.0.1, or a path). */
export async function waitForListener(target: number | string, timeoutMs = 10000): Promise<void> {
  const start = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = typeof target === 'number' ? connect(target, '127.0.0.1') : connect(target);
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - start > timeoutMs) throw new Error(`nothing listening at ${target}`);
    await settle(20);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The first executable of `candidates` (`$ENV` override, then `PATH`, then `extraDirs`), or null. */
export function findExecutable(name: string, envVar: string, extraDirs: readonly string[] = []): string | null {
  const candidates = [
    ...(process.env[envVar] ? [process.env[envVar]!] : []),
    ...[...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs].map((dir) => join(dir, name)),
  ];
  for (const file of candidates) {
    try {
      accessSync(file, fsConstants.X_OK);
      return file;
    } catch {
      // not here: next
    }
  }
  return null;
}
