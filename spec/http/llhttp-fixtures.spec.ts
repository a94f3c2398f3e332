// llhttp's response test vectors (MIT, shared/fixtures/llhttp-response) run through ResponseParser.
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ResponseParserOptions } from '../../src/http/parser';
import { expectSplitInvariant, runResponse, type Ev } from './harness';
import { outcomeOfLog, readFixtures, type Fixture, type MessageOutcome, type Outcome } from './llhttp-md';

const DIR = join(__dirname, '../../../shared/fixtures/llhttp-response');

/** llhttp modes our `lenient` covers (LF-only, obs-fold), or whose input it is meant to test. */
const LENIENT_TYPES = new Set([
  'response-lenient-all',
  'response-lenient-optional-cr-before-lf',
  'response-lenient-headers',
  'response-lenient-optional-lf-after-cr',
  'response-lenient-version',
]);

interface Override {
  why: string;
  eof?: boolean;
  expect: (llhttp: Outcome) => Outcome;
}

const rejected = (error: string) => (): Outcome => ({ messages: [], error });

/** Where our policy (reference/http.md §3.4) differs from llhttp's, what we assert instead. */
const OVERRIDES: Record<string, Override> = {
  'sample.md#RTSP response': { why: 'an HTTP client rejects RTSP/ (§3.3 A14)', expect: rejected('HPE_INVALID_CONSTANT') },
  'sample.md#ICE response': { why: 'an HTTP client rejects ICE/ (§3.3 A14)', expect: rejected('HPE_INVALID_CONSTANT') },
  'sample.md#HTTP version 0.9': { why: 'HTTP/0.9 is rejected (§3.3 A13)', expect: rejected('HPE_INVALID_VERSION') },
  'lenient-version.md#Invalid HTTP version (lenient)': {
    why: 'lenient does not cover versions: HTTP/5.6 is rejected',
    expect: rejected('HPE_INVALID_VERSION'),
  },
  'invalid.md#Bare CR after response line (lenient)': {
    why: 'a bare CR is always rejected (RFC 9112 §2.2)',
    expect: rejected('HPE_LF_EXPECTED'),
  },
  'connection.md#HTTP/1.1 with keep-alive disabled, content-length': {
    why: 'bytes after a response that closes the connection are ignored, not an error (§3.3 C12)',
    expect: (o) => ({ ...o, error: null }),
  },
  'connection.md#HTTP/1.1 with keep-alive disabled and 204 status': {
    why: 'bytes after a response that closes the connection are ignored, not an error (§3.3 C12)',
    expect: (o) => ({ ...o, error: null }),
  },
  'connection.md#HTTP/1.1 with keep-alive disabled and 204 status (lenient)': {
    why: 'nothing after Connection: close is parsed, lenient or not',
    expect: (o) => ({ messages: o.messages.slice(0, 1), error: null }),
  },
  'finish.md#It should be safe to finish with cb after empty response': {
    why: 'finish() completes a read-until-close body (RFC 9112 §6.3 rule 8)',
    eof: true,
    expect: (o) => ({ ...o, messages: o.messages.map((m) => ({ ...m, complete: true })) }),
  },
  'transfer-encoding.md#Invalid OBS fold after chunked value': {
    why: 'lenient unfolds obs-fold to one SP (RFC 9112 §5.2), so the value is "chunked abc"',
    expect: (o) => ({
      ...o,
      messages: o.messages.map((m) => ({ ...m, headers: m.headers.map(([n, v]) => [n, v.replace(/\s+/g, ' ')]) })),
    }),
  },
};

function outcomeOfEvents(log: Ev[]): Outcome {
  const messages: MessageOutcome[] = [];
  let error: string | null = null;
  let current: MessageOutcome | null = null;
  for (const ev of log) {
    if (ev.e === 'info' || ev.e === 'head') {
      current = {
        status: ev.status as number,
        version: `${ev.versionMajor}.${ev.versionMinor}`,
        reason: ev.reason as string,
        headers: ev.headers as [string, string][],
        body: '',
        interim: ev.e === 'info',
        complete: ev.e === 'info',
      };
      messages.push(current);
    } else if (ev.e === 'body' && current) current.body += ev.data;
    else if (ev.e === 'done' && current) current.complete = true;
    else if (ev.e === 'upgrade' && current) {
      // llhttp reports "message complete" and then pauses for the upgrade
      current.upgrade = ev.rest;
      current.complete = true;
    } else if (ev.e === 'error') error = ev.code;
  }
  return { messages, error };
}

function compare(ours: Outcome, wanted: Outcome): void {
  expect(ours.messages).to.deep.equal(wanted.messages);
  if (wanted.error === 'HPE_STRICT') {
    // llhttp's catch-all for strict-mode violations: any typed error will do.
    expect(ours.error, 'an error').to.be.a('string');
  } else {
    expect(ours.error).to.equal(wanted.error);
  }
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.md')).sort();
const fixtures: Fixture[] = files.flatMap((f) => readFixtures(join(DIR, f), f));

describe('http/parser: llhttp response fixtures', () => {
  it(`reads all ${fixtures.length} cases of ${files.length} files, and each is run below`, () => {
    expect(files).to.have.length(9);
    expect(fixtures).to.have.length(85);
    expect(Object.keys(OVERRIDES).every((k) => fixtures.some((f) => `${f.file}#${f.heading}` === k))).to.equal(true);
    // the reader really extracts outcomes: messages, errors and bodies from the traces
    const outcomes = fixtures.map(outcomeOfLog);
    expect(outcomes.reduce((n, o) => n + o.messages.length, 0)).to.equal(74);
    expect(outcomes.filter((o) => o.error !== null)).to.have.length(24);
    expect(outcomes.filter((o) => o.messages.some((m) => m.body !== ''))).to.have.length(37);
  });

  for (const fx of fixtures) {
    const key = `${fx.file}#${fx.heading}`;
    const override = OVERRIDES[key];
    const mode = fx.meta.type === 'response' ? '' : ` [${fx.meta.type}]`;
    const name = `${key}${mode}${override ? ` — ours differs: ${override.why}` : ''}`;
    it(name, () => {
      const options: ResponseParserOptions = { lenient: LENIENT_TYPES.has(fx.meta.type) };
      // skipBody: llhttp's stand-in for responses to HEAD
      const run = { eof: override?.eof, methods: fx.meta.skipBody ? Array(8).fill('HEAD') : [] };
      const go = (chunks: Buffer[]) => runResponse(chunks, options, run);
      const whole = go([fx.input]);
      const llhttp = outcomeOfLog(fx);
      compare(outcomeOfEvents(whole), override ? override.expect(llhttp) : llhttp);
      expectSplitInvariant(whole, fx.input, go);
    });
  }
});
