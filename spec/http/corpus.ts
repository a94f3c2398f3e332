/**
 * The 102 response edge cases of reference/http.md §3.3 as data. Inputs are latin1 strings (one
 * char per byte). Each row has one or more variants; `expect` lists the events the parser must
 * produce (only the keys given are compared). Rows that concern the client and not the wire
 * (timers, pools, content decoding) carry `skip` with the reason and a parser-level stand-in
 * where one exists.
 */
import { gzipSync } from 'node:zlib';
import type { ResponseParserOptions } from '../../src/http/parser';
import type { Ev, RunOptions } from './harness';

export interface Variant extends RunOptions {
  input: string;
  options?: ResponseParserOptions;
  expect: Ev[];
  note?: string;
}

export interface CorpusCase {
  id: string;
  title: string;
  variants: Variant[];
  /** Set when the row is about the client, not the parser: why it is not run here. */
  skip?: string;
}

type HeadFields = Omit<Extract<Ev, { e: 'head' }>, 'e'>;
const head = (status: number, more: HeadFields = {}): Ev => ({ e: 'head', status, ...more });
const info = (status: number, more: HeadFields = {}): Ev => ({ e: 'info', status, ...more });
const body = (data: string): Ev => ({ e: 'body', data });
const done: Ev = { e: 'done' };
const error = (code: string): Ev => ({ e: 'error', code });
const upgrade = (rest: string): Ev => ({ e: 'upgrade', rest });
const trailers = (headers: [string, string][]): Ev => ({ e: 'trailers', headers });

const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const OK = 'HTTP/1.1 200 OK\r\n';
const CHUNKED = OK + 'Transfer-Encoding: chunked\r\n\r\n';
const cl = (n: string, rest = ''): string => `${OK}Content-Length: ${n}\r\n\r\n${rest}`;
const errorCase = (input: string, code: string, options?: ResponseParserOptions): Variant => ({
  input,
  options,
  expect: [error(code)],
});
const gz = gzipSync(Buffer.from('hello gzip')).toString('latin1');

export const corpus: CorpusCase[] = [
  // ---- A. Status line ----------------------------------------------------------------------
  {
    id: 'A01',
    title: 'simple response, OWS trimmed, complete without waiting',
    variants: [
      {
        input: OK + 'Header1: Value1\r\nHeader2:\t Value2\r\nContent-Length: 0\r\n\r\n',
        expect: [
          head(200, {
            reason: 'OK',
            versionMinor: 1,
            headers: [['header1', 'Value1'], ['header2', 'Value2'], ['content-length', '0']],
            keepAlive: true,
            contentLength: 0,
          }),
          done,
        ],
      },
    ],
  },
  {
    id: 'A02',
    title: 'no reason phrase; no framing, so read to EOF',
    variants: [{ input: 'HTTP/1.1 301\r\n\r\n', eof: true, expect: [head(301, { reason: '', framing: 'close', keepAlive: false }), done] }],
  },
  {
    id: 'A03',
    title: 'empty reason after the space',
    variants: [{ input: 'HTTP/1.1 200 \r\n\r\n', eof: true, expect: [head(200, { reason: '' }), done] }],
  },
  {
    id: 'A04',
    title: 'two spaces before the reason: kept as " OK" (not trimmed, like llhttp)',
    variants: [{ input: 'HTTP/1.1 200  OK\r\n\r\n', eof: true, expect: [head(200, { reason: ' OK' }), done] }],
  },
  {
    id: 'A05',
    title: 'UTF-8 reason kept as opaque bytes (latin1 string)',
    variants: [
      {
        input: utf8('HTTP/1.1 500 Oriëntatieprobleem\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
        expect: [head(500, { reason: utf8('Oriëntatieprobleem'), keepAlive: false }), done],
      },
    ],
  },
  {
    id: 'A06',
    title: 'leading CRLF skipped',
    variants: [{ input: '\r\n' + cl('0'), expect: [head(200), done] }],
  },
  {
    id: 'A07',
    title: 'not HTTP/',
    variants: [errorCase('HTP/1.1 200 OK\r\n\r\n', 'HPE_INVALID_CONSTANT'), errorCase('HTTPER/1.1 200 OK\r\n\r\n', 'HPE_INVALID_CONSTANT')],
  },
  {
    id: 'A08',
    title: 'extra digits in the version',
    variants: ['HTTP/01.1', 'HTTP/11.1', 'HTTP/1.01'].map((v) => errorCase(`${v} 200 OK\r\n\r\n`, 'HPE_INVALID_VERSION')),
  },
  {
    id: 'A09',
    title: 'HTTP/5.6 rejected, lenient too (lenient covers line ends and folding only)',
    variants: [
      errorCase('HTTP/5.6 200 OK\r\n\r\n', 'HPE_INVALID_VERSION'),
      errorCase('HTTP/5.6 200 OK\r\n\r\n', 'HPE_INVALID_VERSION', { lenient: true }),
    ],
  },
  { id: 'A10', title: 'tab after the version', variants: [errorCase('HTTP/1.1\t200 OK\r\n\r\n', 'HPE_INVALID_VERSION')] },
  { id: 'A11', title: 'two spaces before the status', variants: [errorCase('HTTP/1.1  200 OK\r\n\r\n', 'HPE_INVALID_STATUS')] },
  {
    id: 'A12',
    title: 'status not three digits',
    variants: [
      errorCase('HTTP/1.1 2 OK\r\n\r\n', 'HPE_INVALID_STATUS'),
      errorCase('HTTP/1.1 2000 OK\r\n\r\n', 'HPE_INVALID_STATUS'),
      errorCase('HTTP/1.1 099 OK\r\n\r\n', 'HPE_INVALID_STATUS'),
    ],
  },
  { id: 'A13', title: 'HTTP/0.9 rejected (policy)', variants: [errorCase('HTTP/0.9 200 OK\r\n\r\n', 'HPE_INVALID_VERSION')] },
  {
    id: 'A14',
    title: 'RTSP/ and ICE/ rejected by an HTTP client',
    variants: [errorCase('RTSP/1.1 200 OK\r\n\r\n', 'HPE_INVALID_CONSTANT'), errorCase('ICE/1.1 200 OK\r\n\r\n', 'HPE_INVALID_CONSTANT')],
  },

  // ---- B. Line endings and header syntax -----------------------------------------------------
  {
    id: 'B01',
    title: 'LF-only line ends: strict error, lenient accepts',
    variants: [
      errorCase('HTTP/1.1 200 OK\nContent-Length: 0\n\n', 'HPE_CR_EXPECTED'),
      { input: 'HTTP/1.1 200 OK\nContent-Length: 0\n\n', options: { lenient: true }, expect: [head(200, { contentLength: 0 }), done] },
      {
        input: 'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\n\n',
        options: { lenient: true },
        expect: [head(200, { framing: 'chunked' }), body('ok'), done],
      },
    ],
  },
  { id: 'B02', title: 'bare CR after the status line', variants: [errorCase('HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n', 'HPE_LF_EXPECTED')] },
  {
    id: 'B03',
    title: 'CR CR after the status line (lenient too)',
    variants: [
      errorCase('HTTP/1.1 200 OK\r\rContent-Length: 4\r\n\r\nEvil', 'HPE_LF_EXPECTED'),
      errorCase('HTTP/1.1 200 OK\r\rContent-Length: 4\r\n\r\nEvil', 'HPE_LF_EXPECTED', { lenient: true }),
    ],
  },
  { id: 'B04', title: 'fields separated by a bare CR', variants: [errorCase(OK + 'Foo: 1\rBar: 2\r\n\r\n', 'HPE_LF_EXPECTED')] },
  {
    id: 'B05',
    title: 'whitespace-led first field line (lenient too)',
    variants: [errorCase(OK + ' Host: foo', 'HPE_UNEXPECTED_SPACE'), errorCase(OK + ' Host: foo', 'HPE_UNEXPECTED_SPACE', { lenient: true })],
  },
  {
    id: 'B06',
    title: 'obs-fold: strict error; lenient unfolds to one SP (RFC 9112 §5.2)',
    variants: [
      errorCase(OK + 'X: abc\r\n\tdef\r\nContent-Length: 0\r\n\r\n', 'HPE_OBS_FOLD'),
      {
        input: OK + 'X: abc\r\n\tdef\r\n   ghi  \r\nContent-Length: 0\r\n\r\n',
        options: { lenient: true },
        expect: [head(200, { headers: [['x', 'abc def ghi'], ['content-length', '0']] }), done],
      },
    ],
  },
  { id: 'B07', title: 'space before the colon', variants: [errorCase(OK + 'Content-Length : 4\r\n\r\nabcd', 'HPE_INVALID_HEADER_TOKEN')] },
  { id: 'B08', title: 'space inside a field name', variants: [errorCase(OK + 'en-US Content-Type: text/xml\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN')] },
  {
    id: 'B09',
    title: 'OWS (SP and HTAB) trimmed around values',
    variants: [
      { input: OK + 'Header2:\t Value2 \t\r\nContent-Length: 0\r\n\r\n', expect: [head(200, { headers: [['header2', 'Value2'], ['content-length', '0']] }), done] },
      { input: OK + 'Content-Length:\t42\t\r\n\r\n' + 'x'.repeat(42), expect: [head(200, { contentLength: 42 }), body('x'.repeat(42)), done] },
    ],
  },
  {
    id: 'B10',
    title: 'empty value, next field kept separate',
    variants: [
      {
        input: 'HTTP/1.0 301 Moved Permanently\r\nPragma: \r\nLocation: http://x/\r\nContent-Length: 0\r\n\r\n',
        expect: [head(301, { versionMinor: 0, headers: [['pragma', ''], ['location', 'http://x/'], ['content-length', '0']] }), done],
      },
    ],
  },
  {
    id: 'B11',
    title: 'NUL, DEL, bare CR or bare LF inside a value',
    variants: [
      errorCase(OK + 'X: a\x00b\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'),
      errorCase(OK + 'X: a\x7fb\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'),
      errorCase(OK + 'X: a\rb\r\n\r\n', 'HPE_LF_EXPECTED'),
      errorCase(OK + 'X: a\nb\r\n\r\n', 'HPE_CR_EXPECTED'),
    ],
  },
  {
    id: 'B12',
    title: 'obs-text in a value kept as latin1',
    variants: [{ input: OK + 'X: caf\xe9\r\nContent-Length: 0\r\n\r\n', expect: [head(200, { headers: [['x', 'caf\xe9'], ['content-length', '0']] }), done] }],
  },
  {
    id: 'B13',
    title: 'unusual but valid token names',
    variants: [
      {
        input: OK + 'X-$PrototypeBI-Version: 1.6.0.3\r\nDCLK_imp: v7;x\r\n.et-Cookie: a=b\r\nContent-Length: 0\r\n\r\n',
        expect: [
          head(200, { headers: [['x-$prototypebi-version', '1.6.0.3'], ['dclk_imp', 'v7;x'], ['.et-cookie', 'a=b'], ['content-length', '0']] }),
          done,
        ],
      },
    ],
  },
  {
    id: 'B14',
    title: 'Set-Cookie repeats kept apart, in order',
    variants: [
      {
        input: OK + 'Set-Cookie: a=1\r\nSet-Cookie: b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\nContent-Length: 0\r\n\r\n',
        expect: [
          head(200, { headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT'], ['content-length', '0']] }),
          done,
        ],
      },
    ],
  },

  // ---- C. Content-Length ---------------------------------------------------------------------
  { id: 'C01', title: 'Content-Length body, reusable', variants: [{ input: cl('5', 'hello'), expect: [head(200, { contentLength: 5, framing: 'length', keepAlive: true }), body('hello'), done] }] },
  { id: 'C02', title: 'leading zeros', variants: [{ input: cl('003', 'abc'), expect: [head(200, { contentLength: 3 }), body('abc'), done] }] },
  { id: 'C03', title: 'digits separated by a space', variants: [errorCase(cl('4 2'), 'HPE_INVALID_CONTENT_LENGTH'), errorCase(cl('13 37'), 'HPE_INVALID_CONTENT_LENGTH')] },
  { id: 'C04', title: 'empty Content-Length', variants: [errorCase(OK + 'Content-Length:\r\n\r\n', 'HPE_INVALID_CONTENT_LENGTH')] },
  {
    id: 'C05',
    title: 'not 1*DIGIT',
    variants: ['+5', '-1', '0x10', '5.0', '5abc'].map((v) => errorCase(cl(v), 'HPE_INVALID_CONTENT_LENGTH')),
  },
  {
    id: 'C06',
    title: 'overflow past 2^53-1 (and the largest safe value accepted)',
    variants: [
      errorCase(cl('1000000000000000000000'), 'HPE_INVALID_CONTENT_LENGTH'),
      errorCase(cl('9007199254740992'), 'HPE_INVALID_CONTENT_LENGTH'),
      { input: cl('9007199254740991', 'abc'), expect: [head(200, { contentLength: 9007199254740991 }), body('abc')] },
    ],
  },
  { id: 'C07', title: 'conflicting Content-Length', variants: [errorCase(OK + 'Content-Length: 1\r\nContent-Length: 2\r\n\r\nab', 'HPE_UNEXPECTED_CONTENT_LENGTH')] },
  {
    id: 'C08',
    title: 'identical repeats and lists rejected (policy §3.4)',
    variants: [
      errorCase(OK + 'Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello', 'HPE_UNEXPECTED_CONTENT_LENGTH'),
      errorCase(cl('5, 5', 'hello'), 'HPE_INVALID_CONTENT_LENGTH'),
    ],
  },
  { id: 'C09', title: 'body cut short at EOF', variants: [{ input: cl('10', 'abc'), eof: true, expect: [head(200), body('abc'), error('HPE_INVALID_EOF_STATE')] }] },
  { id: 'C10', title: 'field names are case-insensitive', variants: [{ input: OK + 'conTENT-Length: 5\r\n\r\nhello', expect: [head(200, { contentLength: 5 }), body('hello'), done] }] },
  {
    id: 'C11',
    title: 'Content-Length-X is not Content-Length',
    variants: [
      {
        input: OK + 'Content-Length-X: 0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\n\r\n',
        expect: [head(200, { contentLength: null, framing: 'chunked' }), body('OK'), done],
      },
    ],
  },
  {
    id: 'C12',
    title: 'Connection: close: body is the first CL bytes, the rest ignored',
    variants: [
      {
        input: 'HTTP/1.1 200 No content\r\nContent-Length: 5\r\nConnection: close\r\n\r\n2ad731e3-4dcd-4f70-b871-0ad284b29ffc',
        expect: [head(200, { keepAlive: false }), body('2ad73'), done],
      },
    ],
  },

  // ---- D. Transfer-Encoding and chunked ------------------------------------------------------
  { id: 'D01', title: 'chunked body', variants: [{ input: CHUNKED + '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n', expect: [head(200, { framing: 'chunked', keepAlive: true }), body('hello world'), done] }] },
  {
    id: 'D02',
    title: 'hex sizes, either case',
    variants: ['a', 'A'].map((s) => ({ input: CHUNKED + `${s}\r\n0123456789\r\n0\r\n\r\n`, expect: [head(200), body('0123456789'), done] })),
  },
  { id: 'D03', title: 'last chunk 000', variants: [{ input: CHUNKED + '5\r\nhello\r\n000\r\n\r\n', expect: [head(200), body('hello'), done] }] },
  {
    id: 'D04',
    title: 'chunk extensions ignored',
    variants: [
      {
        input: CHUNKED + '5;ilovew3;somuchlove=aretheseparametersfor\r\nhello\r\n6;blahblah;blah\r\n world\r\n0\r\n\r\n',
        expect: [head(200), body('hello world'), done],
      },
      { input: CHUNKED + '5 ; a = b ;c\r\nhello\r\n0\r\n\r\n', note: 'BWS around ; and =', expect: [head(200), body('hello'), done] },
    ],
  },
  {
    id: 'D05',
    title: 'quoted extension values (with ; and escapes inside)',
    variants: [
      {
        input: CHUNKED + '5;ilovew3="I love; extensions";somuchlove="x\\"y";blah;foo=bar\r\nhello\r\n0\r\n\r\n',
        expect: [head(200), body('hello'), done],
      },
    ],
  },
  { id: 'D06', title: 'unbalanced quote', variants: [{ input: CHUNKED + '5;a="abc";b="def; ghi\r\nhello\r\n0\r\n\r\n', expect: [head(200), error('HPE_STRICT')] }] },
  { id: 'D07', title: 'no extension name after ;', variants: [{ input: CHUNKED + '2;\r\naa\r\n0\r\n\r\n', expect: [head(200), error('HPE_STRICT')] }] },
  { id: 'D08', title: 'junk after the size without ;', variants: [{ input: CHUNKED + '2 erfrferferf\r\naa\r\n0 rrrr\r\n\r\n', expect: [head(200), error('HPE_INVALID_CHUNK_SIZE')] }] },
  { id: 'D09', title: 'trailing spaces after the size', variants: [{ input: CHUNKED + '25  \r\nThis is the data in the first chunk\r\n0\r\n\r\n', expect: [head(200), error('HPE_INVALID_CHUNK_SIZE')] }] },
  {
    id: 'D10',
    title: 'trailers reported separately',
    variants: [
      {
        input: CHUNKED + '5\r\nhello\r\n0\r\nVary: *\r\nContent-Type: text/plain\r\n\r\n',
        expect: [head(200, { headers: [['transfer-encoding', 'chunked']] }), body('hello'), trailers([['vary', '*'], ['content-type', 'text/plain']]), done],
      },
    ],
  },
  { id: 'D11', title: 'missing last chunk', variants: [{ input: CHUNKED + '3\r\nfoo\r\n\r\n', expect: [head(200), body('foo'), error('HPE_INVALID_CHUNK_SIZE')] }] },
  { id: 'D12', title: 'EOF before the last chunk', variants: [{ input: CHUNKED + '5\r\nhello\r\n', eof: true, expect: [head(200), body('hello'), error('HPE_INVALID_EOF_STATE')] }] },
  { id: 'D13', title: 'no CRLF after chunk data', variants: [{ input: CHUNKED + '5\r\nABCDE0\r\n', expect: [head(200), body('ABCDE'), error('HPE_STRICT')] }] },
  { id: 'D14', title: 'no LF after the chunk size', variants: [{ input: CHUNKED + '5\r\r;ABCD\r\n', expect: [head(200), error('HPE_LF_EXPECTED')] }] },
  { id: 'D15', title: 'chunk size overflow', variants: [{ input: CHUNKED + 'FFFFFFFFFFFFFFFFFFFF\r\n', expect: [head(200), error('HPE_INVALID_CHUNK_SIZE')] }] },
  {
    id: 'D16',
    title: 'chunked not last: read until close',
    variants: [{ input: OK + 'Transfer-Encoding: chunked, deflate\r\n\r\nWorld', eof: true, expect: [head(200, { framing: 'close', keepAlive: false }), body('World'), done] }],
  },
  {
    id: 'D17',
    title: 'chunked then identity in two fields: read until close',
    variants: [
      {
        input: OK + 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\nWorld',
        eof: true,
        expect: [head(200, { framing: 'close' }), body('World'), done],
      },
    ],
  },
  {
    id: 'D18',
    title: 'chunkedchunked is not chunked',
    variants: [{ input: OK + 'Transfer-Encoding: chunkedchunked\r\n\r\n2\r\nOK\r\n0\r\n\r\n', eof: true, expect: [head(200, { framing: 'close' }), body('2\r\nOK\r\n0\r\n\r\n'), done] }],
  },
  {
    id: 'D19',
    title: 'deflate, chunked: de-chunked; the deflate coding is passed on for the client to decode',
    variants: [
      {
        input: OK + 'Transfer-Encoding: deflate, chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n',
        expect: [head(200, { framing: 'chunked', headers: [['transfer-encoding', 'deflate, chunked']] }), body('xyz'), done],
      },
    ],
  },
  {
    id: 'D20',
    title: 'Transfer-Encoding with Content-Length, either order',
    variants: [
      errorCase(OK + 'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n', 'HPE_CL_TE_CONFLICT'),
      errorCase(OK + 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'HPE_CL_TE_CONFLICT'),
    ],
  },
  {
    id: 'D21',
    title: 'Content-Length with empty Transfer-Encoding fields',
    variants: [errorCase(OK + 'Content-Length: 10\r\nTransfer-Encoding:\r\nTransfer-Encoding:\r\n\r\n', 'HPE_CL_TE_CONFLICT')],
  },
  {
    id: 'D22',
    title: 'obs-fold on Transfer-Encoding: strict error; lenient unfolds and it is no longer chunked',
    variants: [
      errorCase(OK + 'Transfer-Encoding: chunked\r\n  abc\r\n\r\n5\r\nWorld\r\n0\r\n\r\n', 'HPE_OBS_FOLD'),
      {
        input: OK + 'Transfer-Encoding: chunked\r\n  abc\r\n\r\n5\r\nWorld\r\n0\r\n\r\n',
        options: { lenient: true },
        eof: true,
        expect: [head(200, { headers: [['transfer-encoding', 'chunked abc']], framing: 'close' }), body('5\r\nWorld\r\n0\r\n\r\n'), done],
      },
    ],
  },
  {
    id: 'D23',
    title: 'HTTP/1.0 with chunked: framed chunked, then the connection closes',
    variants: [
      {
        input: 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nHTTP/1.0 200 OK\r\n\r\n',
        expect: [head(200, { versionMinor: 0, framing: 'chunked', keepAlive: false }), body('hello'), done],
      },
    ],
  },
  { id: 'D24', title: 'coding names are case-insensitive', variants: [{ input: OK + 'Transfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n', expect: [head(200, { framing: 'chunked' }), body('ok'), done] }] },

  // ---- E. No body: HEAD, 1xx, 204, 304, upgrade, CONNECT --------------------------------------
  {
    id: 'E01',
    title: 'responses to HEAD: Content-Length reported, not read',
    variants: [
      {
        input: 'HTTP/1.1 200 OK\r\nContent-Length: 123\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 456\r\n\r\n',
        methods: ['HEAD', 'head'],
        expect: [head(200, { contentLength: 123, framing: 'none', keepAlive: true, method: 'HEAD' }), done, head(200, { contentLength: 456, framing: 'none' }), done],
      },
    ],
  },
  { id: 'E02', title: 'HEAD with chunked', variants: [{ input: CHUNKED, methods: ['HEAD'], expect: [head(200, { framing: 'none' }), done] }] },
  {
    id: 'E03',
    title: '204 completes at once; the next response parses',
    variants: [{ input: 'HTTP/1.1 204 No content\r\n\r\n' + cl('2', 'ok'), expect: [head(204, { framing: 'none' }), done, head(200), body('ok'), done] }],
  },
  {
    id: 'E04',
    title: '204 with a body: no body; the stray bytes fail the next parse (close)',
    variants: [{ input: 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello', expect: [head(204, { framing: 'none', contentLength: 5 }), done, error('HPE_INVALID_CONSTANT')] }],
  },
  {
    id: 'E05',
    title: '304 with Content-Length, then 200',
    variants: [
      {
        input: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
        expect: [head(304, { framing: 'none', contentLength: 10 }), done, head(200), body('hello'), done],
      },
    ],
  },
  {
    id: 'E06',
    title: '304 with chunked, then 200 chunked',
    variants: [
      {
        input: 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n' + CHUNKED + '5\r\nhello\r\n0\r\n\r\n',
        expect: [head(304, { framing: 'none' }), done, head(200, { framing: 'chunked' }), body('hello'), done],
      },
    ],
  },
  {
    id: 'E07',
    title: '100 Continue, then 404',
    variants: [
      {
        input: 'HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 14\r\n\r\n404: Not Found',
        methods: ['POST'],
        expect: [info(100, { reason: 'Continue', method: 'POST' }), head(404, { reason: 'Not Found', method: 'POST' }), body('404: Not Found'), done],
      },
    ],
  },
  {
    id: 'E08',
    title: '103 Early Hints reported, then the final response',
    variants: [
      {
        input: 'HTTP/1.1 103 Early Hints\r\nLink: </styles.css>; rel=preload; as=style\r\n\r\n' + cl('17', 'response content!'),
        expect: [info(103, { headers: [['link', '</styles.css>; rel=preload; as=style']] }), head(200), body('response content!'), done],
      },
    ],
  },
  {
    id: 'E09',
    title: '100, 102, 103, then 200',
    variants: [
      {
        input: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n' + cl('2', 'ok'),
        expect: [info(100), info(102), info(103), head(200), body('ok'), done],
      },
    ],
  },
  {
    id: 'E10',
    title: 'unasked 100 Continue skipped',
    variants: [{ input: 'HTTP/1.1 100 Continue\r\n\r\n' + cl('2', 'ok'), expect: [info(100), head(200), body('ok'), done] }],
  },
  {
    id: 'E11',
    title: '101: CL ignored, leftover bytes handed over',
    variants: [
      {
        input: 'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\nbodyproto',
        expect: [head(101, { framing: 'upgrade', keepAlive: false }), upgrade('bodyproto')],
      },
    ],
  },
  {
    id: 'E12',
    title: '200 with Upgrade is a normal response',
    variants: [{ input: OK + 'Connection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\nbody', expect: [head(200, { framing: 'length' }), body('body'), done] }],
  },
  {
    id: 'E13',
    title: '2xx to CONNECT opens a tunnel; a non-2xx is a normal response',
    variants: [
      {
        input: 'HTTP/1.1 200 Connection established\r\nContent-Length: 10\r\n\r\nTUNNEL',
        methods: ['CONNECT'],
        expect: [head(200, { framing: 'upgrade', method: 'CONNECT' }), upgrade('TUNNEL')],
      },
      {
        input: 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nno',
        methods: ['CONNECT'],
        expect: [head(407, { framing: 'length' }), body('no'), done],
      },
    ],
  },

  // ---- F. Read-until-close and connection semantics -------------------------------------------
  {
    id: 'F01',
    title: 'no framing: body to EOF, not reusable',
    variants: [{ input: OK + 'Content-Type: text/plain\r\n\r\nhello world', eof: true, expect: [head(200, { framing: 'close', keepAlive: false }), body('hello world'), done] }],
  },
  { id: 'F02', title: 'everything after is body', variants: [{ input: OK + '\r\nHTTP/1.1 200 OK', eof: true, expect: [head(200), body('HTTP/1.1 200 OK'), done] }] },
  {
    id: 'F03',
    title: 'HTTP/1.0 keep-alive without length is still close-delimited',
    variants: [{ input: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nHTTP/1.0 200 OK', eof: true, expect: [head(200, { keepAlive: false }), body('HTTP/1.0 200 OK'), done] }],
  },
  {
    id: 'F04',
    title: 'HTTP/1.0 keep-alive with length is reusable',
    variants: [
      {
        input: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nokHTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx',
        expect: [head(200, { keepAlive: true }), body('ok'), done, head(200, { keepAlive: true }), body('x'), done],
      },
    ],
  },
  {
    id: 'F05',
    title: 'HTTP/1.0 without keep-alive closes; later bytes ignored',
    variants: [{ input: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nokjunk', expect: [head(200, { keepAlive: false }), body('ok'), done] }],
  },
  {
    id: 'F06',
    title: 'Connection: close in any spelling',
    variants: ['close', 'close\t', 'Keep-Alive, Close'].map((v) => ({
      input: OK + `Connection: ${v}\r\nContent-Length: 0\r\n\r\n`,
      expect: [head(200, { keepAlive: false }), done],
    })),
  },
  { id: 'F07', title: 'Proxy-Connection is not Connection', variants: [{ input: OK + 'Proxy-Connection: close\r\nContent-Length: 0\r\n\r\n', expect: [head(200, { keepAlive: true }), done] }] },
  {
    id: 'F08',
    title: 'look-alike field names ignored',
    variants: [
      { input: OK + '_onnection: close\r\nContent-Length: 0\r\n\r\n', expect: [head(200, { keepAlive: true }), done] },
      { input: 'HTTP/1.0 200 OK\r\n_onnection: Keep-Alive\r\n_eep-Alive: timeout=45\r\nContent-Length: 0\r\n\r\n', expect: [head(200, { keepAlive: false }), done] },
    ],
  },
  {
    id: 'F09',
    title: 'Keep-Alive: timeout=5 passed on for the pool (the window is the client\u2019s)',
    variants: [
      {
        input: OK + 'Keep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n',
        expect: [head(200, { keepAlive: true, headers: [['keep-alive', 'timeout=5'], ['content-length', '0']] }), done],
      },
    ],
  },
  {
    id: 'F10',
    title: 'close-delimited body with an unclean close (TLS without close_notify) is incomplete',
    variants: [{ input: OK + '\r\nhello', eof: 'unclean', expect: [head(200), body('hello'), error('HPE_INVALID_EOF_STATE')] }],
  },

  // ---- G. Pipelining, reuse and races ---------------------------------------------------------
  {
    id: 'G01',
    title: 'three pipelined responses, the third cut short',
    variants: [
      {
        input:
          'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nAAA\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nBBBB\r\n' +
          'HTTP/1.1 202 Accepted\r\nContent-Length: 5\r\n\r\nCCCC',
        eof: true,
        expect: [head(200), body('AAA'), done, head(201, { reason: 'Created' }), body('BBBB'), done, head(202), body('CCCC'), error('HPE_INVALID_EOF_STATE')],
      },
    ],
  },
  {
    id: 'G02',
    title: 'a mixed pipeline gives the same events at every split',
    variants: [
      {
        input:
          'HTTP/1.1 100 Continue\r\n\r\n' +
          cl('5', 'hello') +
          CHUNKED +
          '5;a="b;c"\r\nhello\r\n0\r\nX-T: 1\r\n\r\n' +
          'HTTP/1.1 204 No Content\r\nX: y\r\n\r\n' +
          'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n' +
          'HTTP/1.0 200 OK\r\n\r\nrest of it',
        methods: ['POST', 'GET', 'DELETE', 'HEAD', 'GET'],
        eof: true,
        expect: [
          info(100),
          head(200, { method: 'POST' }),
          body('hello'),
          done,
          head(200, { framing: 'chunked' }),
          body('hello'),
          trailers([['x-t', '1']]),
          done,
          head(204, { method: 'DELETE' }),
          done,
          head(200, { framing: 'none', method: 'HEAD' }),
          done,
          head(200, { versionMinor: 0, framing: 'close' }),
          body('rest of it'),
          done,
        ],
      },
    ],
  },
  {
    id: 'G03',
    title: 'a response while no request is outstanding',
    variants: [
      {
        input: cl('2', 'ok') + cl('2', 'no'),
        options: { allowUnsolicited: false },
        methods: ['GET'],
        expect: [head(200), body('ok'), done, error('HPE_UNSOLICITED_RESPONSE')],
      },
    ],
  },
  {
    id: 'G04',
    title: 'early final response during an upload: delivered, connection not reused',
    variants: [
      {
        input: 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
        methods: ['POST'],
        expect: [head(413, { keepAlive: false }), done],
      },
    ],
  },
  {
    id: 'G05',
    title: 'EOF before any response byte: no event, no error (the client decides on a retry)',
    variants: [{ input: '', eof: true, expect: [] }],
  },
  {
    id: 'G06',
    title: 'Connection: close on response N: later pipelined bytes are not parsed',
    variants: [{ input: OK + 'Connection: close\r\nContent-Length: 1\r\n\r\nA' + cl('1', 'B'), methods: ['GET', 'GET'], expect: [head(200, { keepAlive: false }), body('A'), done] }],
  },
  {
    id: 'G07',
    title: 'caller never reads the body',
    skip: 'client pool policy (drain or destroy before reuse): request.spec.ts "G07"',
    variants: [],
  },

  // ---- H. Limits and content coding -----------------------------------------------------------
  {
    id: 'H01',
    title: 'header section over maxHeaderSize, with bounded buffering',
    variants: [
      errorCase(OK + `X-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`, 'HPE_HEADER_OVERFLOW'),
      errorCase(OK + 'X-A: 1234567\r\n'.repeat(2000) + '\r\n', 'HPE_HEADER_OVERFLOW'),
      // 64 bytes exactly fit a 64-byte limit; one more does not
      { input: OK + 'X: ' + 'a'.repeat(40) + '\r\n\r\n', options: { maxHeaderSize: 64 }, eof: true, expect: [head(200), done] },
      errorCase(OK + 'X: ' + 'a'.repeat(41) + '\r\n\r\n', 'HPE_HEADER_OVERFLOW', { maxHeaderSize: 64 }),
      // a syntax error before the limit wins at every split
      errorCase(OK + 'X: a\x00' + 'a'.repeat(100) + '\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN', { maxHeaderSize: 64 }),
    ],
  },
  { id: 'H02', title: 'headers trickle past headersTimeout', skip: 'a client timer: request.spec.ts "H02"', variants: [] },
  { id: 'H03', title: 'body stalls past bodyTimeout', skip: 'a client timer (readTimeout): request.spec.ts "H03"', variants: [] },
  {
    id: 'H04',
    title: '100 KiB chunk extension',
    variants: [
      { input: CHUNKED + `5;x=${'a'.repeat(100 * 1024)}\r\nhello\r\n0\r\n\r\n`, expect: [head(200), error('HPE_CHUNK_EXTENSIONS_OVERFLOW')] },
      { input: CHUNKED + '5;x=abcde\r\nhello\r\n0\r\n\r\n', options: { maxChunkExtensionSize: 7 }, expect: [head(200), error('HPE_CHUNK_EXTENSIONS_OVERFLOW')] },
      { input: CHUNKED + '5;x="a"\r\nhello\r\n0\r\n\r\n', options: { maxChunkExtensionSize: 7 }, expect: [head(200), body('hello'), done] },
    ],
  },
  {
    id: 'H05',
    title: 'huge trailers counted against maxHeaderSize',
    variants: [{ input: CHUNKED + `0\r\nX-T: ${'t'.repeat(17 * 1024)}\r\n\r\n`, expect: [head(200), error('HPE_HEADER_OVERFLOW')] }],
  },
  { id: 'H06', title: 'body larger than maxResponseSize', skip: 'a client limit on the assembled body: request.spec.ts "H06"', variants: [] },
  {
    id: 'H07',
    title: 'chunked + Content-Encoding gzip: de-chunked, the gzip bytes passed on untouched',
    variants: [
      {
        input: OK + 'Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n' + `5\r\n${gz.slice(0, 5)}\r\n${(gz.length - 5).toString(16)}\r\n${gz.slice(5)}\r\n0\r\n\r\n`,
        expect: [head(200, { framing: 'chunked' }), body(gz), done],
      },
    ],
  },
  {
    id: 'H08',
    title: 'Content-Encoding: gzip, br passed on for the client to decode in reverse',
    variants: [
      {
        input: OK + `Content-Encoding: gzip, br\r\nContent-Length: ${gz.length}\r\n\r\n${gz}`,
        expect: [head(200, { headers: [['content-encoding', 'gzip, br'], ['content-length', String(gz.length)]] }), body(gz), done],
      },
    ],
  },
];
