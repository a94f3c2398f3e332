/**
 * The download progress bar of `cl-async get`, drawn by cli-progress on a terminal: bytes,
 * rate and ETA (bytes and rate only when the length is unknown).
 */
import { SingleBar } from 'cli-progress';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

export interface Progress {
  update(received: number): void;
  stop(): void;
}

export function progressBar(total: number | null, stream: NodeJS.WritableStream): Progress {
  const known = total !== null && total > 0;
  const bar = new SingleBar({
    stream,
    format: known
      ? '{bar} {percentage}% | {done} of {size} | {rate}/s | ETA {eta_formatted}'
      : '{done} | {rate}/s | {duration_formatted}',
    hideCursor: true,
    clearOnComplete: false,
    barsize: 30,
    etaBuffer: 50,
  });
  const started = Date.now();
  const payload = (received: number): Record<string, string> => ({
    done: formatBytes(received),
    size: known ? formatBytes(total) : '?',
    rate: formatBytes(Math.round(received / Math.max(0.001, (Date.now() - started) / 1000))),
  });
  bar.start(known ? total : 0, 0, payload(0));
  return {
    update(received: number): void {
      bar.update(received, payload(received));
    },
    stop(): void {
      bar.stop();
    },
  };
}
