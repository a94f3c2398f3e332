import { expect } from 'chai';
import type { RequestParserOptions } from '../../src/http/request-parser';
import { byteByByte, bytes, expectLog, expectSplitInvariant, mutants, runRequest, type Ev, type RunOptions } from './harness';

interface Case extends RunOptions {
  name: string;
  input: string;
  options?: RequestParserOptions;
  expect: Ev[];
}

const head = (method: string, target: string, more: Omit<Extract<Ev, { e: 'head' }>, 'e'> = {}): Ev => ({ e: 'head', method, target, ...more });
const body = (data: string): Ev => ({ e: 'body', data });
const done: Ev = { e: 'done' };
const error = (code: string): Ev => ({ e: 'error', code });
const fail = (name: string, input: string, code: string, options?: RequestParserOptions): Case => ({ name, input, options, expect: [error(code)] });

const cases: Case[] = [
  // request line
  {
    name: 'GET with headers, no body',
    input: 'GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x\r\n\r\n',
    expect: [
      head('GET', '/index.html?q=1', {
        versionMajor: 1,
        versionMinor: 1,
        headers: [['host', 'example.com'], ['user-agent', 'x']],
        framing: 'none',
        keepAlive: true,
        upgrade: false,
        contentLength: null,
      }),
      done,
    ],
  },
  ...['OPTIONS * HTTP/1.1', 'GET http://example.com:8080/a HTTP/1.1', 'PROPFIND /dav HTTP/1.1', 'M-SEARCH * HTTP/1.1'].map((line) => {
    const [method, target] = line.split(' ');
    return { name: `request line ${line}`, input: `${line}\r\nHost: h\r\n\r\n`, expect: [head(method, target), done] };
  }),
  { name: 'leading CRLF before a request is skipped', input: '\r\n\r\nGET / HTTP/1.1\r\n\r\n', expect: [head('GET', '/'), done] },
  fail('lower-case garbage in the method', 'GE(T / HTTP/1.1\r\n\r\n', 'HPE_INVALID_METHOD'),
  fail('empty method', ' / HTTP/1.1\r\n\r\n', 'HPE_INVALID_METHOD'),
  fail('two spaces after the method', 'GET  / HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL'),
  fail('control byte in the target', 'GET /a\x01b HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL'),
  fail('non-ASCII in the target', 'GET /caf\xe9 HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL'),
  fail('missing version', 'GET /\r\n\r\n', 'HPE_INVALID_URL'),
  fail('not HTTP/', 'GET / HTTX/1.1\r\n\r\n', 'HPE_INVALID_CONSTANT'),
  fail('HTTP/2.0 on an HTTP/1 connection', 'GET / HTTP/2.0\r\n\r\n', 'HPE_INVALID_VERSION'),
  fail('HTTP/1.2', 'GET / HTTP/1.2\r\n\r\n', 'HPE_INVALID_VERSION'),
  fail('junk after the version', 'GET / HTTP/1.1 x\r\n\r\n', 'HPE_INVALID_VERSION'),
  fail('LF-only request line (strict)', 'GET / HTTP/1.1\nHost: h\n\n', 'HPE_CR_EXPECTED'),
  { name: 'LF-only (lenient)', input: 'GET / HTTP/1.1\nHost: h\n\n', options: { lenient: true }, expect: [head('GET', '/', { headers: [['host', 'h']] }), done] },
  fail('bare CR after the request line', 'GET / HTTP/1.1\rHost: h\r\n\r\n', 'HPE_LF_EXPECTED'),

  // versions and keep-alive
  { name: 'HTTP/1.0 closes by default', input: 'GET / HTTP/1.0\r\n\r\n', expect: [head('GET', '/', { versionMinor: 0, keepAlive: false }), done] },
  {
    name: 'HTTP/1.0 keep-alive',
    input: 'GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n',
    expect: [head('GET', '/', { keepAlive: true }), done, head('GET', '/2', { keepAlive: false }), done],
  },
  {
    name: 'Connection: close ends the connection: later bytes are ignored',
    input: 'GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\n\r\n',
    expect: [head('GET', '/', { keepAlive: false }), done],
  },

  // bodies
  { name: 'Content-Length body', input: 'POST /f HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello', expect: [head('POST', '/f', { framing: 'length', contentLength: 5 }), body('hello'), done] },
  { name: 'Content-Length: 0', input: 'POST /f HTTP/1.1\r\nContent-Length: 0\r\n\r\n', expect: [head('POST', '/f', { framing: 'none', contentLength: 0 }), done] },
  {
    name: 'chunked body with extensions and trailers',
    input: 'POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nExpires: never\r\n\r\n',
    expect: [head('POST', '/u', { framing: 'chunked' }), body('abcde'), { e: 'trailers', headers: [['expires', 'never']] }, done],
  },
  fail('Transfer-Encoding not ending in chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc', 'HPE_INVALID_TRANSFER_ENCODING'),
  fail('chunked, then identity', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n', 'HPE_INVALID_TRANSFER_ENCODING'),
  fail('CL with TE (smuggling)', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'HPE_CL_TE_CONFLICT'),
  fail('duplicate Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 'HPE_UNEXPECTED_CONTENT_LENGTH'),
  fail('bad Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\nabc', 'HPE_INVALID_CONTENT_LENGTH'),
  fail('obs-fold (strict)', 'GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', 'HPE_OBS_FOLD'),
  { name: 'obs-fold (lenient)', input: 'GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', options: { lenient: true }, expect: [head('GET', '/', { headers: [['x', 'a b']] }), done] },
  fail('space before the colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'),
  { name: 'bad chunk size', input: 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', expect: [head('POST', '/'), error('HPE_INVALID_CHUNK_SIZE')] },
  { name: 'body cut short at EOF', input: 'POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc', eof: true, expect: [head('POST', '/'), body('abc'), error('HPE_INVALID_EOF_STATE')] },
  { name: 'EOF inside the header section', input: 'GET / HTTP/1.1\r\nHost:', eof: true, expect: [error('HPE_INVALID_EOF_STATE')] },

  // pipelining
  {
    name: 'pipelined requests on one buffer',
    input:
      'GET /a HTTP/1.1\r\nHost: h\r\n\r\n' +
      'POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz' +
      'PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nq\r\n0\r\n\r\n' +
      'DELETE /d HTTP/1.1\r\n\r\n',
    eof: true,
    expect: [head('GET', '/a'), done, head('POST', '/b'), body('xyz'), done, head('PUT', '/c'), body('q'), done, head('DELETE', '/d'), done],
  },

  // upgrade and CONNECT
  {
    name: 'CONNECT: tunnel right after the headers',
    input: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01tls',
    expect: [head('CONNECT', 'example.com:443', { framing: 'upgrade', upgrade: true, keepAlive: false }), { e: 'upgrade', rest: '\x16\x03\x01tls' }],
  },
  {
    name: 'Upgrade: websocket hands over after the (empty) body',
    input: 'GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello',
    expect: [head('GET', '/ws', { upgrade: true, keepAlive: false }), done, { e: 'upgrade', rest: '\x81\x05hello' }],
  },
  {
    name: 'Upgrade with a body: the body first',
    input: 'POST /up HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\nokPRI',
    expect: [head('POST', '/up', { upgrade: true }), body('ok'), done, { e: 'upgrade', rest: 'PRI' }],
  },
  { name: 'Upgrade field without Connection: upgrade is not an upgrade', input: 'GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n', expect: [head('GET', '/', { upgrade: false, keepAlive: true }), done] },

  // limits
  fail('request-target counted against maxHeaderSize', `GET /${'a'.repeat(100)} HTTP/1.1\r\n\r\n`, 'HPE_HEADER_OVERFLOW', { maxHeaderSize: 64 }),
  fail('header section over 16 KiB by default', `GET / HTTP/1.1\r\nCookie: ${'c'.repeat(16 * 1024)}\r\n\r\n`, 'HPE_HEADER_OVERFLOW'),
  { name: 'header section at exactly maxHeaderSize', input: `GET / HTTP/1.1\r\nX: ${'a'.repeat(41)}\r\n\r\n`, options: { maxHeaderSize: 64 }, expect: [head('GET', '/'), done] },
  fail('one byte over maxHeaderSize', `GET / HTTP/1.1\r\nX: ${'a'.repeat(42)}\r\n\r\n`, 'HPE_HEADER_OVERFLOW', { maxHeaderSize: 64 }),
  {
    name: 'chunk extensions over maxChunkExtensionSize',
    input: 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;' + 'e'.repeat(40) + '\r\nx\r\n0\r\n\r\n',
    options: { maxChunkExtensionSize: 32 },
    expect: [head('POST', '/'), error('HPE_CHUNK_EXTENSIONS_OVERFLOW')],
  },
];

describe('http/request-parser: RequestParser', () => {
  for (const c of cases) {
    it(c.name, () => {
      const input = bytes(c.input);
      const run = (chunks: Buffer[]) => runRequest(chunks, c.options, c);
      const whole = run([input]);
      expectLog(whole, c.expect, 'whole input');
      expectSplitInvariant(whole, input, run);
    });
  }

  it('mutated inputs: only typed errors, and the same events one byte at a time', () => {
    for (const { mutant, round } of mutants(cases.map((c) => bytes(c.input)), 20)) {
      const options = { lenient: round % 2 === 1 };
      const whole = runRequest([mutant], options, { eof: true });
      expect(runRequest(byteByByte(mutant), options, { eof: true }), mutant.toString('latin1')).to.deep.equal(whole);
    }
  });

  it('decodes the target of a long request line split over many reads', () => {
    const target = '/' + 'p/'.repeat(500);
    const input = bytes(`GET ${target} HTTP/1.1\r\n\r\n`);
    const log = runRequest([input.subarray(0, 7), input.subarray(7, 600), input.subarray(600)]);
    expect(log[0]).to.include({ e: 'head', target });
  });
});
