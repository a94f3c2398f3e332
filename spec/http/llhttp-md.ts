/**
 * Reader for llhttp's Markdown test vectors (shared/fixtures/llhttp-response, MIT): each case is a
 * heading, a `<!-- meta={...} -->` line, an `http` block (the input) and a `log` block (llhttp's
 * callback trace). The input gets the runner's normalisation; the trace is reduced to outcomes
 * that do not depend on llhttp's callback granularity: per message the status, version, reason,
 * header fields, body bytes and completion, then whether the input failed and with which code.
 */
import { readFileSync } from 'node:fs';

export interface Fixture {
  file: string;
  heading: string;
  meta: { type: string; skipBody?: boolean; pause?: string; noScan?: boolean };
  input: Buffer;
  log: string[];
}

export interface MessageOutcome {
  status: number;
  version: string;
  reason: string;
  headers: [string, string][];
  body: string;
  /** Interim 1xx (not 101). */
  interim: boolean;
  complete: boolean;
  upgrade?: string;
}

export interface Outcome {
  messages: MessageOutcome[];
  /** llhttp's error name, or null. */
  error: string | null;
}

/** llhttp's numeric error codes (llhttp/src/llhttp/constants.ts) by name. */
const LLHTTP_ERRORS: Record<number, string> = {
  2: 'HPE_STRICT',
  3: 'HPE_LF_EXPECTED',
  4: 'HPE_UNEXPECTED_CONTENT_LENGTH',
  5: 'HPE_CLOSED_CONNECTION',
  8: 'HPE_INVALID_CONSTANT',
  9: 'HPE_INVALID_VERSION',
  10: 'HPE_INVALID_HEADER_TOKEN',
  11: 'HPE_INVALID_CONTENT_LENGTH',
  12: 'HPE_INVALID_CHUNK_SIZE',
  13: 'HPE_INVALID_STATUS',
  14: 'HPE_INVALID_EOF_STATE',
  15: 'HPE_INVALID_TRANSFER_ENCODING',
  25: 'HPE_CR_EXPECTED',
  30: 'HPE_UNEXPECTED_SPACE',
};
const PAUSED_UPGRADE = 22;

/** llhttp's md-test input rules: drop the final newline, join `\`-continued lines, LF to CRLF, unescape. */
export function normaliseInput(block: string): Buffer {
  // Work on bytes as latin1 chars so that UTF-8 text in the file stays byte-exact.
  let s = Buffer.from(block, 'utf8').toString('latin1');
  s = s.replace(/\n$/, '').replace(/\\\n/g, '').replace(/\n/g, '\r\n');
  s = s.replace(/\\(r|n|t|f|x[0-9a-fA-F]{2}|[0-7]{3})/g, (_, e: string) => {
    switch (e[0]) {
      case 'r':
        return '\r';
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'f':
        return '\f';
      case 'x':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      default:
        return String.fromCharCode(parseInt(e, 8));
    }
  });
  return Buffer.from(s, 'latin1');
}

export function readFixtures(path: string, file: string): Fixture[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: Fixture[] = [];
  let heading = '';
  for (let k = 0; k < lines.length; k++) {
    const h = /^#+\s+(.*)$/.exec(lines[k]);
    if (h) heading = h[1].trim();
    const m = /^<!-- meta=(\{.*\}) -->$/.exec(lines[k].trim());
    if (!m) continue;
    const blocks: string[] = [];
    for (k++; k < lines.length && blocks.length < 2; k++) {
      if (!/^```(http|log)$/.test(lines[k])) continue;
      const start = ++k;
      while (lines[k] !== '```') k++;
      blocks.push(lines.slice(start, k).join('\n') + '\n');
    }
    k--;
    out.push({
      file,
      heading,
      meta: JSON.parse(m[1]),
      input: normaliseInput(blocks[0]),
      log: blocks[1].split('\n').filter((l) => l !== ''),
    });
  }
  return out;
}

const trimOws = (s: string): string => s.replace(/^[ \t]+|[ \t]+$/g, '');

/** Outcome of llhttp's trace; spans are read back from the input by offset and length. */
export function outcomeOfLog(fx: Fixture): Outcome {
  const messages: MessageOutcome[] = [];
  let error: string | null = null;
  let current: MessageOutcome | null = null;
  let reason = '';
  let fields: [string, string][] = [];
  let lastSpan = '';
  for (const line of fx.log) {
    const span = /^off=(\d+) len=(\d+) span\[(\w+)\]/.exec(line);
    if (span) {
      const text = fx.input.toString('latin1', Number(span[1]), Number(span[1]) + Number(span[2]));
      const kind = span[3];
      if (kind === 'status') reason += text;
      else if (kind === 'header_field') {
        if (lastSpan === 'header_field') fields[fields.length - 1][0] += text.toLowerCase();
        else fields.push([text.toLowerCase(), '']);
      } else if (kind === 'header_value') fields[fields.length - 1][1] += text;
      else if (kind === 'body' && current !== null) current.body += text;
      lastSpan = kind;
      continue;
    }
    lastSpan = '';
    const head = /headers complete status=(\d+) v=(\d+)\/(\d+)/.exec(line);
    if (head) {
      const status = Number(head[1]);
      current = {
        status,
        version: `${head[2]}.${head[3]}`,
        reason,
        headers: fields.map(([n, v]) => [n, trimOws(v)]),
        body: '',
        interim: status < 200 && status !== 101,
        complete: false,
      };
      messages.push(current);
    } else if (/message begin/.test(line)) {
      reason = '';
      fields = [];
    } else if (/message complete/.test(line) && current !== null) {
      current.complete = true;
    } else {
      const err = /^off=(\d+) error code=(\d+)/.exec(line);
      if (err && Number(err[2]) === PAUSED_UPGRADE && current !== null) {
        current.upgrade = fx.input.toString('latin1', Number(err[1]));
      } else if (err) {
        error = LLHTTP_ERRORS[Number(err[2])] ?? `llhttp error ${err[2]}`;
      }
    }
  }
  return { messages, error };
}
