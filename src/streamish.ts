/**
 * cl-async's `streamish`: a byte stream with read/write/event callbacks over a Node stream
 * socket (`net.Socket`, `tls.TLSSocket`, a child's stdio pipe). It owns the read path
 * (draining to `readCb`, or buffering into an attached stream with back-pressure), the write
 * path (bytes written before the Node socket is ready wait; writes made in one turn leave
 * in one batch), timeouts, and closing: an event closes the streamish first and reaches
 * `eventCb` exactly once, on a later turn (cl-async v0.6).
 */
import type { Socket as NodeSocket } from 'node:net';
import { EventError, EventInfo, StreamishClosed, StreamishEof, SocketTimeout } from './errors';
import { AsyncEvent } from './event';
import { DeferredTask, EventCb, EventLoop } from './event-loop';
import { LoopHandle } from './handle';
import { conditionFromNodeError, UV_ETIMEDOUT } from './node-errors';

/** What can be written: a string (UTF-8) or bytes. */
export type Bytes = string | Uint8Array;

/** Called when a write reached the kernel (or failed). */
export type WriteDone = (err?: Error | null) => void;

/**
 * Where a streamish that does not drain its reads puts them (an `AsyncStream`).
 * @internal
 */
export interface ReadSink {
  /** Take a chunk; false when the sink is full and reading should pause. */
  _pushChunk(chunk: Buffer): boolean;
  /** No more data will come (EOF, or the streamish closed). */
  _pushEnd(err: EventInfo | null): void;
}

/** The read callback as stored: `(streamish, bytes)` when draining, else `(streamish, stream)`. */
export type AnyReadCb = (streamish: never, data: never) => void;
type ReadFn = (streamish: Streamish, data: Buffer | ReadSink) => void;

export interface StreamishCallbacks {
  readCb?: AnyReadCb | null;
  writeCb?: ((streamish: never) => void) | null;
  eventCb?: EventCb | null;
}

export interface StreamishOptions extends StreamishCallbacks {
  /** false: reads are buffered in the attached stream, and `readCb` gets the stream. */
  drainReadBuffer?: boolean;
}

type PendingWrite = [Buffer, WriteDone | undefined];

// Streamish flags, one field for all (a server may hold tens of thousands of streamishes).
/** Closed by the app, by an event, or by the loop. */
const SHUT = 1;
/** The Node socket can be written. */
const READY = 2;
/** Closed gracefully while connecting: close once what was written has left. */
const END_WHEN_READY = 4;
/** A cork is on the Node socket until the callback that wrote returns. */
const BATCHING = 8;
const READ_PAUSED = 16;
const SINK_FULL = 32;

/**
 * Timeouts and write completions: state only the streamishes that use them carry (a
 * `writeCb`, or `setTimeouts`).
 */
class Watch {
  readMs = 0;
  writeMs = 0;
  readTimer: NodeJS.Timeout | null = null;
  writeTimer: NodeJS.Timeout | null = null;
  /** Writes whose completion we wait for (write callback or write timeout). */
  inflight = 0;
  readonly afterWrite: (err?: Error | null) => void;

  constructor(s: Streamish) {
    this.afterWrite = (err) => s._writeDone(err);
  }
}

const EMPTY = Buffer.alloc(0);

/** Bytes from a string (UTF-8) or a byte array, sliced to `[start, end)` without copying. */
export function toBuffer(data: Bytes, start?: number, end?: number): Buffer {
  let buf: Buffer;
  if (typeof data === 'string') buf = Buffer.from(data, 'utf8');
  else if (Buffer.isBuffer(data)) buf = data;
  else if (data instanceof Uint8Array) buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  else throw new TypeError('data must be a string or a Uint8Array');
  return start === undefined && end === undefined ? buf : buf.subarray(start ?? 0, end ?? buf.length);
}

/** Seconds (fractions allowed) to timer milliseconds; none, -1 or 0 mean "no timeout". */
function secondsToMs(seconds: number | null | undefined): number {
  if (seconds == null || !(seconds > 0)) return 0;
  return Math.max(1, Math.round(seconds * 1000));
}

export class Streamish extends LoopHandle implements DeferredTask {
  readonly kind: string;
  /** cl-async's `streamish-c`: the Node socket, once there is one. */
  c: NodeSocket | null = null;
  /** The application's slot (`socketData`). */
  data: unknown = undefined;
  readCb: AnyReadCb | null;
  writeCb: ((streamish: never) => void) | null;
  eventCb: EventCb | null;
  drainReadBuffer: boolean;
  /** The stream reads are buffered into when not draining. @internal */
  sink: ReadSink | null = null;

  /** SHUT, READY, END_WHEN_READY, BATCHING, READ_PAUSED, SINK_FULL. */
  private flags = 0;
  /** Writes made before the Node socket is ready. */
  private pending: PendingWrite[] | null = null;
  private watch: Watch | null = null;

  constructor(loop: EventLoop, kind: string, options: StreamishOptions = {}, active = true) {
    super(loop, active);
    this.kind = kind;
    this.readCb = options.readCb ?? null;
    this.writeCb = options.writeCb ?? null;
    this.eventCb = options.eventCb ?? null;
    this.drainReadBuffer = options.drainReadBuffer ?? true;
  }

  /** cl-async's `streamish-closed-p`: closed by the app, by an event, or by the loop. */
  override get closed(): boolean {
    return (this.flags & SHUT) !== 0 || super.closed;
  }

  /** True once the Node socket is connected (accepted sockets are at once). */
  get connected(): boolean {
    return (this.flags & (READY | SHUT)) === READY;
  }

  /** Bytes written but not yet handed to the kernel (back-pressure). */
  get bufferedAmount(): number {
    let pendingBytes = 0;
    if (this.pending !== null) for (const [buf] of this.pending) pendingBytes += buf.length;
    return (this.c?.writableLength ?? 0) + pendingBytes;
  }

  /** Node's name for `bufferedAmount`. */
  get writableLength(): number {
    return this.bufferedAmount;
  }

  /** Throws `StreamishClosed` when closed (cl-async's `check-streamish-open`). */
  checkOpen(): void {
    if (this.closed) throw this.closedCondition();
  }

  /**
   * Write now (batched with the other writes of this turn). Throws `SocketClosed` on a closed
   * streamish. Returns false when the caller should wait for `drain`, like Node's `write`.
   */
  write(data: Bytes, cb?: WriteDone): boolean {
    this.checkOpen();
    return this._send(toBuffer(data), cb);
  }

  /** Stop reading (`disableSocket`); data stays in the kernel until `resume`. */
  pause(): void {
    this.flags |= READ_PAUSED;
    this.applyReading();
  }

  resume(): void {
    this.flags &= ~READ_PAUSED;
    this.applyReading();
  }

  /** `setSocketTimeouts`: seconds (fractions allowed); none, 0 or -1 clear a timeout. */
  setTimeouts(readSeconds: number | null | undefined, writeSeconds: number | null | undefined): void {
    this.checkOpen();
    const readMs = secondsToMs(readSeconds);
    const writeMs = secondsToMs(writeSeconds);
    if (this.watch === null && readMs === 0 && writeMs === 0) return;
    const watch = (this.watch ??= new Watch(this));
    watch.readMs = readMs;
    this.stopReadTimer();
    this.applyReading();
    watch.writeMs = writeMs;
    this.stopWriteTimer();
    if (writeMs > 0 && watch.inflight > 0) this.startWriteTimer(watch);
  }

  /**
   * Close. Forced: drop unsent output and close now. Otherwise: send what is buffered, then
   * shut down the write side and close. Closing a closed streamish does nothing.
   */
  shutdown(force = false): void {
    if (this.closed) return;
    if (force) {
      this.close();
      return;
    }
    this.markShut(null);
    if ((this.flags & READY) !== 0) endThenClose(this.c!);
    // Still connecting: what was written leaves once connected, then the socket closes.
    else if (this._active) this.flags |= END_WHEN_READY;
    else this.close();
  }

  /** Should a connection still be opened for this streamish? @internal */
  get _wantsConnection(): boolean {
    return !super.closed && (this.flags & (SHUT | END_WHEN_READY)) !== SHUT;
  }

  /**
   * Half-close: finish sending, then send EOF; reading goes on until the peer closes.
   * @internal used by `AsyncStream#_final`
   */
  _endWrite(cb: WriteDone): void {
    const c = this.c;
    if (this.closed || c === null) cb();
    else if ((this.flags & READY) === 0) this.once('connect', () => this._endWrite(cb));
    else c.end(cb);
  }

  // -- subclass hooks --------------------------------------------------------------------

  /** The Node socket is connected: the place for `connectCb`. */
  protected onConnected(): void {}

  /** The streamish became closed (once), whatever closed it. */
  protected onShut(): void {}

  /** The condition for "the peer finished sending". */
  protected eofCondition(): EventInfo {
    return new StreamishEof({ socket: this });
  }

  protected nodeErrorCondition(err: NodeJS.ErrnoException): EventError {
    return conditionFromNodeError(err, { socket: this, streamish: true });
  }

  protected closedCondition(): EventError {
    return new StreamishClosed({ socket: this, errmsg: 'Trying to operate on a closed streamish' });
  }

  // -- wiring ----------------------------------------------------------------------------

  /**
   * Take over a Node socket. `readyEvent` is the event after which it can be written
   * (`connect`, `secureConnect`), or null when it is connected already.
   * @internal
   */
  _attach(c: NodeSocket, readyEvent: string | null): void {
    this.c = c;
    // Shared listeners that find us on the socket: no closures per connection.
    (c as OwnedSocket)[OWNER] = this;
    c.on('data', nodeData);
    c.on('end', nodeEnd);
    c.on('error', nodeError);
    c.on('close', nodeClose);
    c.on('drain', nodeDrain);
    if (!this._refed) c.unref();
    if (!this._wantsConnection) {
      c.destroy();
      return;
    }
    if (readyEvent === null) this._onReady();
    else c.once(readyEvent, nodeReady);
    this.applyReading();
  }

  /**
   * An event: close first (forced, unless it is EOF: what the app wrote still leaves), then
   * hand the condition to `eventCb` on a later turn. Events after closing are dropped.
   * @internal
   */
  _fail(condition: EventInfo, graceful = false): void {
    if (this.closed) return;
    this.markShut(condition);
    const c = this.c;
    if (c === null) this.close();
    else if (graceful) c.end();
    else c.destroy();
    this.notify(condition instanceof StreamishEof ? 'end' : 'error', condition);
    const loop = this.loop;
    const eventCb = this.eventCb;
    new AsyncEvent(loop, () => loop.deliver(eventCb, condition), null).add(0);
  }

  /** Send bytes, or keep them until the Node socket is ready. @internal */
  _send(buf: Buffer, cb?: WriteDone): boolean {
    const c = this.c;
    const flags = this.flags;
    if ((flags & READY) === 0 || c === null) {
      (this.pending ??= []).push([buf, cb]);
      return true;
    }
    if ((flags & BATCHING) === 0) {
      // cl-async's *buffer-writes*: the writes of one callback leave in one writev.
      this.flags = flags | BATCHING;
      c.cork();
      this.loop._defer(this);
    }
    let watch = this.watch;
    if (this.writeCb === null && (watch === null || watch.writeMs === 0)) return c.write(buf, cb);
    watch ??= this.watch = new Watch(this);
    watch.inflight++;
    if (watch.writeMs > 0 && watch.writeTimer === null) this.startWriteTimer(watch);
    const afterWrite = watch.afterWrite;
    return c.write(buf, cb === undefined ? afterWrite : (err?: Error | null) => (afterWrite(err), cb(err)));
  }

  /** The callback that wrote returned: send the batch. @internal */
  _runDeferred(): void {
    this.flags &= ~BATCHING;
    const c = this.c;
    if (c !== null && !c.destroyed) c.uncork();
  }

  /** The attached stream has room again (`_read`), or filled up. @internal */
  _setSinkFull(full: boolean): void {
    if (((this.flags & SINK_FULL) !== 0) === full) return;
    this.flags ^= SINK_FULL;
    this.applyReading();
  }

  /** Hand one chunk to the stream, to `data` listeners and to `readCb`. @internal */
  _dispatch(chunk: Buffer): void {
    const sink = this.drainReadBuffer ? null : this.sink;
    if (sink !== null && !sink._pushChunk(chunk)) this._setSinkFull(true);
    this.emit('data', chunk);
    const readCb = this.readCb as ReadFn | null;
    if (readCb !== null && (this.flags & SHUT) === 0) readCb(this, sink ?? chunk);
  }

  protected release(): void {
    this.markShut(null);
    const c = this.c;
    if (c !== null && !c.destroyed) c.destroy();
    this.notify('close');
  }

  protected override nodeRef(refed: boolean): void {
    if (refed) this.c?.ref();
    else this.c?.unref();
  }

  // -- internals -------------------------------------------------------------------------

  private markShut(condition: EventInfo | null): void {
    if ((this.flags & SHUT) !== 0) return;
    this.flags |= SHUT;
    this.stopReadTimer();
    this.stopWriteTimer();
    this.sink?._pushEnd(condition instanceof StreamishEof ? null : condition);
    this.onShut();
  }

  /** Emit a Node-style event; a listener that throws is an app error, not a crash. */
  private notify(event: string, arg?: unknown): void {
    if (this.listenerCount(event) > 0) this.loop.invoke(this.eventCb, emitEvent, this, event, arg);
  }

  /** @internal */
  _onReady(): void {
    if ((this.flags & READY) !== 0) return;
    this.flags |= READY;
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) for (const [buf, cb] of pending) this._send(buf, cb);
    if ((this.flags & END_WHEN_READY) !== 0) {
      endThenClose(this.c!);
      return;
    }
    if (this.closed) return;
    this.notify('connect');
    this.onConnected();
  }

  /** @internal */
  _onData(chunk: Buffer): void {
    if ((this.flags & SHUT) !== 0) return;
    const watch = this.watch;
    if (watch !== null && watch.readTimer !== null) watch.readTimer.refresh();
    this.loop._invokeOwned(this.eventCb, dispatchChunk, this, chunk);
  }

  /** @internal */
  _onEnd(): void {
    this._fail(this.eofCondition(), true);
  }

  /** @internal */
  _onError(err: NodeJS.ErrnoException): void {
    this._fail(this.nodeErrorCondition(err));
  }

  /** @internal */
  _onDrain(): void {
    this.notify('drain');
  }

  /** A write we waited for completed (`Watch#afterWrite`). @internal */
  _writeDone(err?: Error | null): void {
    const watch = this.watch!;
    watch.inflight--;
    const c = this.c;
    if (err || c === null || (this.flags & SHUT) !== 0) return;
    if (watch.inflight > 0 || c.writableLength > 0) {
      // Progress: the write timeout counts from the last completed write.
      watch.writeTimer?.refresh();
      return;
    }
    this.stopWriteTimer();
    const writeCb = this.writeCb as ((s: Streamish) => void) | null;
    if (writeCb !== null) this.loop.invoke(this.eventCb, writeCb, this);
  }

  private applyReading(): void {
    if ((this.flags & SHUT) !== 0) return;
    const paused = (this.flags & (READ_PAUSED | SINK_FULL)) !== 0;
    const c = this.c;
    if (c !== null) {
      if (paused) c.pause();
      else if (c.isPaused()) c.resume();
    }
    // Disabled reading stops the read timeout, as in cl-async.
    const watch = this.watch;
    if (watch === null) return;
    if (paused || watch.readMs === 0) this.stopReadTimer();
    else if (watch.readTimer === null) watch.readTimer = setTimeout(timedOut, watch.readMs, this).unref();
  }

  private startWriteTimer(watch: Watch): void {
    watch.writeTimer = setTimeout(timedOut, watch.writeMs, this).unref();
  }

  private stopReadTimer(): void {
    const watch = this.watch;
    if (watch !== null && watch.readTimer !== null) {
      clearTimeout(watch.readTimer);
      watch.readTimer = null;
    }
  }

  private stopWriteTimer(): void {
    const watch = this.watch;
    if (watch !== null && watch.writeTimer !== null) {
      clearTimeout(watch.writeTimer);
      watch.writeTimer = null;
    }
  }

  /** @internal */
  _timedOut(): void {
    this._fail(new SocketTimeout({ socket: this, errcode: UV_ETIMEDOUT, errmsg: 'Socket timed out' }));
  }
}

const OWNER = Symbol('cl-async streamish');
type OwnedSocket = NodeSocket & { [OWNER]: Streamish };

function nodeReady(this: OwnedSocket): void {
  this[OWNER]._onReady();
}

function nodeData(this: OwnedSocket, chunk: Buffer): void {
  this[OWNER]._onData(chunk);
}

function nodeEnd(this: OwnedSocket): void {
  this[OWNER]._onEnd();
}

function nodeError(this: OwnedSocket, err: NodeJS.ErrnoException): void {
  this[OWNER]._onError(err);
}

function nodeClose(this: OwnedSocket): void {
  this[OWNER].close();
}

function nodeDrain(this: OwnedSocket): void {
  this[OWNER]._onDrain();
}

function timedOut(s: Streamish): void {
  s._timedOut();
}

function dispatchChunk(s: Streamish, chunk: Buffer): void {
  s._dispatch(chunk);
}

function emitEvent(s: Streamish, event: string, arg: unknown): void {
  s.emit(event, arg);
}

/** Graceful close of a Node socket: flush, send EOF, then close without waiting for the peer. */
function endThenClose(c: NodeSocket): void {
  c.end(destroyAfterEnd.bind(null, c));
}

function destroyAfterEnd(c: NodeSocket): void {
  c.destroy();
}

// ---------------------------------------------------------------------------------------
// cl-async's functions

export interface StreamishWriteOptions extends StreamishCallbacks {
  start?: number;
  end?: number;
}

/** Return the streamish of a stream or condition, or the thing itself (`(streamish thing)`). */
export function streamish<T>(thing: T): Streamish | T {
  if (thing instanceof Streamish) return thing;
  const inner = (thing as { socket?: unknown } | null)?.socket;
  return inner instanceof Streamish ? inner : thing;
}

/**
 * `streamish-write`: write a string (UTF-8) or bytes, sliced by `start`/`end`. Throws
 * `SocketClosed` on a closed streamish. With any callback given, swapping the callbacks and
 * writing happen on the next turn, as in cl-async.
 */
export function streamishWrite(s: Streamish, data: Bytes, options: StreamishWriteOptions = {}): void {
  s.checkOpen();
  const buf = data.length === 0 ? EMPTY : toBuffer(data, options.start, options.end);
  if (options.readCb || options.writeCb || options.eventCb) setImmediate(deferredWrite, s, buf, options);
  else s._send(buf);
}

function deferredWrite(s: Streamish, buf: Buffer, options: StreamishWriteOptions): void {
  if (s.closed) return;
  if (typeof options.readCb === 'function') s.readCb = options.readCb;
  if (typeof options.writeCb === 'function') s.writeCb = options.writeCb;
  if (typeof options.eventCb === 'function') s.eventCb = options.eventCb;
  s._send(buf);
}

/** `close-streamish`: flush then shut down (or drop everything with `force`). Idempotent. */
export function closeStreamish(s: Streamish, options: { force?: boolean } = {}): void {
  s.shutdown(options.force === true);
}

export function streamishClosedP(s: Streamish): boolean {
  return s.closed;
}

/** Throws `StreamishClosed` when `s` is closed. */
export function checkStreamishOpen(s: Streamish): void {
  s.checkOpen();
}
