/** What every command shares: where it writes, how it fails, and the exit codes. */

/** Exit codes; the failures reuse curl's numbers, which scripts already know. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  dns: 6,
  connect: 7,
  badResponse: 8,
  partial: 18,
  httpError: 22,
  writeError: 23,
  timeout: 28,
  tls: 35,
} as const;

export interface CliIo {
  stdout: NodeJS.WritableStream & { write(s: string | Uint8Array): boolean };
  stderr: NodeJS.WritableStream & { write(s: string | Uint8Array): boolean };
  stderrIsTTY: boolean;
}

/** A failure with its one-line message and exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
