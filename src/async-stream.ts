/**
 * cl-async's socket streams as real Node streams. An `AsyncIoStream` is a `Duplex` over a
 * socket (it pipes, works with `stream.pipeline` and `for await`, and pauses the socket when
 * its read buffer is full), and it keeps cl-async's non-blocking gray-stream calls:
 * `readSequence` / `readByte` return what is buffered *now*, `writeSequence` queues bytes.
 */
import { Duplex, DuplexOptions } from 'node:stream';
import { EventInfo } from './errors';
import type { AsyncSocket } from './socket';
import { Bytes, ReadSink, Streamish, toBuffer, WriteDone } from './streamish';

export interface AsyncStreamOptions {
  /** Read buffer size before the socket is paused (bytes, default Node's). */
  highWaterMark?: number;
}

interface Direction {
  readable: boolean;
  writable: boolean;
}

export class AsyncStream<S extends Streamish = AsyncSocket> extends Duplex implements ReadSink {
  /** cl-async's `stream-socket`. */
  readonly socket: S;

  protected constructor(socket: S, direction: Direction, options: AsyncStreamOptions = {}) {
    // Node's Duplex takes `readable`/`writable: false` (a one-sided stream); @types lacks them.
    const duplexOptions: DuplexOptions & Direction = {
      ...direction,
      // The socket closes on EOF, so the write side ends with the read side.
      allowHalfOpen: false,
      highWaterMark: options.highWaterMark,
    };
    super(duplexOptions);
    this.socket = socket;
    if (direction.readable) {
      socket.sink = this;
      // A socket nobody drains feeds its stream.
      if (socket.readCb === null) socket.drainReadBuffer = false;
      if (socket.closed) this.push(null);
    }
  }

  /** The socket, under cl-async v0.6's name. */
  get streamish(): S {
    return this.socket;
  }

  /**
   * Copy what is buffered now into `buf` at `start` (up to `end`), without waiting.
   * Returns the number of bytes copied: 0 when nothing is available.
   */
  readSequence(buf: Uint8Array, start = 0, end = buf.length): number {
    let copied = 0;
    const want = end - start;
    while (copied < want && this.readableLength > 0) {
      // Reading at most a high-water mark at a time keeps Node from raising it.
      const n = Math.min(want - copied, this.readableLength, this.readableHighWaterMark);
      const chunk = this.read(n) as Buffer | null;
      if (chunk === null) break;
      buf.set(chunk, start + copied);
      copied += chunk.length;
    }
    return copied;
  }

  /** The next byte if one is buffered, else `'eof'` (cl-async's `:eof`: none *now*). */
  readByte(): number | 'eof' {
    const chunk = this.readableLength > 0 ? (this.read(1) as Buffer | null) : null;
    return chunk === null ? 'eof' : chunk[0];
  }

  /** Queue bytes (or a UTF-8 string) for the socket. Throws `SocketClosed` when closed. */
  writeSequence(data: Bytes, start?: number, end?: number): void {
    this.socket.checkOpen();
    this.write(toBuffer(data, start, end));
  }

  /** Write one byte. */
  writeByte(byte: number): void {
    this.writeSequence(Uint8Array.of(byte));
  }

  /** cl-async's `close` on a stream: close the socket (flushing what was written). */
  close(options: { abort?: boolean } = {}): void {
    this.socket.shutdown(options.abort === true);
  }

  /** @internal */
  _pushChunk(chunk: Buffer): boolean {
    return this.push(chunk);
  }

  /**
   * @internal The socket closed. An error reaches the stream only when someone listens for
   * it (a pipeline, an async iterator): cl-async code gets it through `eventCb`, and an
   * unheard 'error' would crash the process.
   */
  _pushEnd(err: EventInfo | null): void {
    if (err !== null && this.listenerCount('error') > 0) this.destroy(err);
    else if (!this.readableEnded) this.push(null);
  }

  override _read(): void {
    this.socket._setSinkFull(false);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: WriteDone): void {
    if (this.socket.closed) cb(this.listenerCount('error') > 0 ? closedError(this.socket) : null);
    else this.socket._send(chunk, cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: WriteDone): void {
    if (this.socket.closed) {
      cb(this.listenerCount('error') > 0 ? closedError(this.socket) : null);
      return;
    }
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) this.socket._send(chunks[i].chunk);
    this.socket._send(chunks[last].chunk, cb);
  }

  override _final(cb: WriteDone): void {
    this.socket._endWrite(cb);
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.socket.shutdown(true);
    cb(err);
  }
}

function closedError(s: Streamish): Error {
  try {
    s.checkOpen();
  } catch (err) {
    return err as Error;
  }
  return new Error('closed');
}

/** The read side only (`async-input-stream`). */
export class AsyncInputStream<S extends Streamish = AsyncSocket> extends AsyncStream<S> {
  constructor(socket: S, options?: AsyncStreamOptions) {
    super(socket, { readable: true, writable: false }, options);
  }

  /** An `AsyncIoStream` is an input stream too, as in cl-async. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || (this === AsyncInputStream && value instanceof AsyncIoStream);
  }
}

/** The write side only (`async-output-stream`). */
export class AsyncOutputStream<S extends Streamish = AsyncSocket> extends AsyncStream<S> {
  constructor(socket: S, options?: AsyncStreamOptions) {
    super(socket, { readable: false, writable: true }, options);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || (this === AsyncOutputStream && value instanceof AsyncIoStream);
  }
}

/** Both sides (`async-io-stream`): what `tcpConnect(…, { stream: true })` returns. */
export class AsyncIoStream<S extends Streamish = AsyncSocket> extends AsyncStream<S> {
  constructor(socket: S, options?: AsyncStreamOptions) {
    super(socket, { readable: true, writable: true }, options);
  }
}

/** cl-async's `stream-socket`. */
export function streamSocket<S extends Streamish>(stream: AsyncStream<S>): S {
  return stream.socket;
}
