/**
 * Keep-alive connection pools. Each loop has its own pools (a new loop opens new
 * connections), one per origin and connection settings. Idle connections do not keep the
 * loop alive, and close after the keep-alive timeout (the server's `Keep-Alive: timeout=`
 * hint when it is shorter).
 */
import { currentLoop, EventLoop } from '../event-loop';
import { ConnectionOptions, ConnectionOwner, Dispatch, HttpConnection, Origin } from './connection';
import { headerValue } from './headers';
import type { ResponseHead } from './parser';

export interface PoolOptions extends ConnectionOptions {
  /** Connections per origin (default: no limit). Requests beyond it wait for a free one. */
  maxConnections?: number;
  /** Requests in flight per connection (default 1: no pipelining). Only idempotent ones pipeline. */
  pipelining?: number;
  /** Seconds an idle connection is kept (default 4). */
  keepAliveTimeout?: number;
}

const POOLS = Symbol('cl-async http pools');
const DEFAULT_KEEP_ALIVE = 4;
/** Leave this much of the server's own keep-alive timeout, so we never reuse a dying connection. */
const KEEP_ALIVE_MARGIN = 1;

/**
 * The pool for `origin` in the current loop. A new pool keeps a copy of `options`, with
 * `connectionTimeout` (seconds) when they give none.
 */
export function poolFor(origin: Origin, options: PoolOptions, connectionTimeout?: number): OriginPool {
  const loop = currentLoop();
  let pools = loop.slots.get(POOLS) as Map<string, OriginPool> | undefined;
  if (pools === undefined) {
    const created = new Map<string, OriginPool>();
    pools = created;
    loop.slots.set(POOLS, created);
    loop.addExitCallback(() => created.forEach((pool) => pool._loopExit()));
  }
  // Requests with other connection settings get their own pool, rather than the first one's.
  const key = `${origin.key}|${options.lenient === true}|${options.maxHeaderSize}|${options.maxConnections}|${options.pipelining}|${options.keepAliveTimeout}|${options.connectionTimeout}`;
  let pool = pools.get(key);
  if (pool === undefined) {
    // Copied here, once per pool: a copy per request cost more than the rest of the lookup.
    const own = { ...options, connectionTimeout: options.connectionTimeout === undefined ? connectionTimeout : options.connectionTimeout };
    pool = new OriginPool(loop, origin, own);
    pools.set(key, pool);
  }
  return pool;
}

export class OriginPool implements ConnectionOwner {
  private readonly connections = new Set<HttpConnection>();
  private readonly idle: HttpConnection[] = [];
  private readonly waiting: Dispatch[] = [];
  private readonly maxConnections: number;
  private readonly pipelining: number;
  private readonly keepAliveTimeout: number;
  /** Seconds the server said it keeps connections (from `Keep-Alive: timeout=N`). */
  private serverKeepAlive = Infinity;
  /** A `parkIdle` is due on the next turn. */
  private parking = false;

  constructor(
    private readonly loop: EventLoop,
    private readonly origin: Origin,
    private readonly options: ConnectionOptions & PoolOptions,
  ) {
    this.maxConnections = options.maxConnections ?? Infinity;
    this.pipelining = Math.max(1, options.pipelining ?? 1);
    this.keepAliveTimeout = options.keepAliveTimeout ?? DEFAULT_KEEP_ALIVE;
  }

  dispatch(d: Dispatch): void {
    const connection = this.idle.pop() ?? this.pipelineOnto(d) ?? this.open();
    if (connection === null) this.waiting.push(d);
    else connection.send(d);
  }

  /** Withdraw a request (abort): it is never sent again, and its connection is closed. */
  cancel(d: Dispatch, error: Error): void {
    d.noRetry = true;
    const at = this.waiting.indexOf(d);
    if (at !== -1) this.waiting.splice(at, 1);
    else d.connection?.destroy(error);
  }

  /** Learn the server's keep-alive hint from a response. */
  noteResponse(head: ResponseHead): void {
    const hint = headerValue('keep-alive', head.headers);
    const match = hint === undefined ? null : /timeout\s*=\s*(\d+)/i.exec(hint);
    if (match !== null) this.serverKeepAlive = Number(match[1]);
  }

  onFree(connection: HttpConnection): void {
    const next = this.waiting.shift();
    if (next !== undefined) {
      connection.send(next);
      return;
    }
    this.idle.push(connection);
    // Park on the next turn: a caller that sends its next request from the response's
    // callbacks takes the connection back first, and unref/ref and two timer resets are saved.
    if (!this.parking) {
      this.parking = true;
      setImmediate(parkIdle, this);
    }
  }

  /** @internal */
  _parkIdle(): void {
    this.parking = false;
    const hinted = this.serverKeepAlive - KEEP_ALIVE_MARGIN;
    const seconds = Math.max(0.1, Math.min(this.keepAliveTimeout, hinted));
    for (const connection of this.idle) connection.park(seconds);
  }

  /**
   * @internal The loop is finishing and closes every socket itself, without the events that
   * would reach `onClosed`: stop counting the connections now.
   */
  _loopExit(): void {
    this.loop.counters.outgoingHttpConnections -= this.connections.size;
    this.connections.clear();
    this.idle.length = 0;
  }

  onClosed(connection: HttpConnection, unanswered: Dispatch[], error: Error): void {
    if (this.connections.delete(connection)) this.loop.counters.outgoingHttpConnections--;
    const at = this.idle.indexOf(connection);
    if (at !== -1) this.idle.splice(at, 1);
    unanswered.forEach((d, index) => {
      if (connection.retryable(d, index)) {
        d.noRetry = true;
        this.dispatch(d);
      } else {
        this.loop.enter(() => d.handler.onError(error));
      }
    });
    while (this.waiting.length > 0 && this.connections.size < this.maxConnections) {
      this.dispatch(this.waiting.shift()!);
    }
  }

  private pipelineOnto(d: Dispatch): HttpConnection | null {
    if (this.pipelining === 1 || !d.idempotent) return null;
    // Fill the least busy connection while there is still room to open new ones later.
    let best: HttpConnection | null = null;
    for (const c of this.connections) {
      if (c.reusable && c.pending < this.pipelining && (best === null || c.pending < best.pending)) best = c;
    }
    if (best !== null && this.connections.size < this.maxConnections && best.pending > 0) return null;
    return best;
  }

  private open(): HttpConnection | null {
    if (this.connections.size >= this.maxConnections) return null;
    const connection = this.loop.enter(() => new HttpConnection(this.origin, this, this.options));
    this.connections.add(connection);
    this.loop.counters.outgoingHttpConnections++;
    return connection;
  }
}

function parkIdle(pool: OriginPool): void {
  pool._parkIdle();
}
