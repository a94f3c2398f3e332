// makeHttpParser(): the 2012 completeness-parser contract (reference/cl-async-api.md §6.4–§6.6).
import { expect } from 'chai';
import { HttpParseError } from '../../src/errors';
import { makeHttpParser, type HttpParserInput, type HttpParserResult } from '../../src/http/legacy-parser';
import { bytes } from './harness';

const CRLF = '\r\n';
const CL5 = `HTTP/1.1 200 OK${CRLF}Content-Length: 5${CRLF}${CRLF}hello`;
const CHUNKED = `HTTP/1.1 200 OK${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}`;

/** Feed the pieces in order; every result but the last must be `[false]`. */
function feed(pieces: HttpParserInput[], options = {}): HttpParserResult {
  const parse = makeHttpParser(options);
  let result: HttpParserResult = [false];
  pieces.forEach((piece, k) => {
    result = parse(piece);
    if (k < pieces.length - 1) expect(result, `after piece ${k}`).to.deep.equal([false]);
  });
  return result;
}

function expectComplete(result: HttpParserResult, response: string, rest = ''): void {
  expect(result[0]).to.equal(true);
  if (!result[0]) return;
  expect(result[1].toString('latin1')).to.equal(response);
  expect(result[2].toString('latin1')).to.equal(rest);
}

function expectParseError(fn: () => unknown, code: string): void {
  expect(fn).to.throw(HttpParseError).with.property('code', code);
}

describe('http/legacy-parser: makeHttpParser (2012 contract)', () => {
  describe('2012-compatible', () => {
    it('Content-Length response in one read: complete, 43 bytes', () => {
      const result = feed([bytes(CL5)]);
      expectComplete(result, CL5);
      expect(result[0] && result[1].length).to.equal(43);
    });

    it('Content-Length body split across reads: pending, then complete', () => {
      expectComplete(feed([bytes(CL5.slice(0, -3)), bytes('llo')]), CL5);
    });

    it('Content-Length: 0 completes at the blank line (38 bytes)', () => {
      const response = `HTTP/1.1 200 OK${CRLF}Content-Length: 0${CRLF}${CRLF}`;
      expect(response).to.have.length(38);
      expectComplete(feed([bytes(response)]), response);
    });

    it('status line split across reads', () => {
      expectComplete(feed([bytes('HTTP/1.1 200 O'), bytes(CL5.slice(14))]), CL5);
    });

    it('chunked response: complete (62 bytes); split inside chunk data', () => {
      const response = `${CHUNKED}5${CRLF}hello${CRLF}0${CRLF}${CRLF}`;
      expect(response).to.have.length(62);
      expectComplete(feed([bytes(response)]), response);
      const at = CHUNKED.length + 6;
      expectComplete(feed([bytes(response.slice(0, at)), bytes(response.slice(at, at + 4)), bytes(response.slice(at + 4))]), response);
    });

    it('Transfer-Encoding: Chunked (any case)', () => {
      const response = `HTTP/1.1 200 OK${CRLF}Transfer-Encoding: Chunked${CRLF}${CRLF}2${CRLF}ok${CRLF}0${CRLF}${CRLF}`;
      expectComplete(feed([bytes(response)]), response);
    });

    it('a 100 Continue preamble is skipped for completion and kept in the bytes (65)', () => {
      const response = `HTTP/1.1 100 Continue${CRLF}${CRLF}HTTP/1.1 200 OK${CRLF}Content-Length: 2${CRLF}${CRLF}ok`;
      expect(response).to.have.length(65);
      expectComplete(feed([bytes(response)]), response);
    });

    it('EOF completes: with no byte at all, an empty response', () => {
      expectComplete(feed(['eof']), '');
      expectComplete(feed([null]), '');
    });

    it('a 20,000-byte body over two reads', () => {
      const head = `HTTP/1.1 200 OK${CRLF}Content-Length: 20000${CRLF}${CRLF}`;
      const response = head + 'z'.repeat(20000);
      expectComplete(feed([bytes(response.slice(0, 9000)), bytes(response.slice(9000))], { bufferSize: 1024 }), response);
    });
  });

  describe('fixed (2012 defects)', () => {
    it('header block split across reads (2012: TYPE-ERROR)', () => {
      expectComplete(feed([bytes('HTTP/1.1 200 OK\r\nContent-Le'), bytes('ngth: 5\r\n\r\nhello')]), CL5);
    });

    it('no header lines at all: 204 completes (2012: TYPE-ERROR)', () => {
      const response = `HTTP/1.1 204 No Content${CRLF}${CRLF}`;
      expectComplete(feed([bytes(response)]), response);
    });

    it('close-delimited body completes at EOF with the body (2012: headers only)', () => {
      const response = `HTTP/1.0 200 OK${CRLF}Server: x${CRLF}${CRLF}body...`;
      expectComplete(feed([bytes(response), 'eof']), response);
    });

    it('HEAD and 304 with Content-Length complete at once (2012: pending forever)', () => {
      const head = `HTTP/1.1 200 OK${CRLF}Content-Length: 1234${CRLF}${CRLF}`;
      expectComplete(feed([bytes(head)], { method: 'HEAD' }), head);
      const notModified = `HTTP/1.1 304 Not Modified${CRLF}Content-Length: 1234${CRLF}${CRLF}`;
      expectComplete(feed([bytes(notModified)]), notModified);
    });

    it('chunk-size line split across reads (2012: TYPE-ERROR)', () => {
      const response = `${CHUNKED}1a${CRLF}${'x'.repeat(26)}${CRLF}0${CRLF}${CRLF}`;
      const at = CHUNKED.length + 1;
      expectComplete(feed([bytes(response.slice(0, at)), bytes(response.slice(at))]), response);
    });

    it('chunk extensions (2012: pending forever)', () => {
      const response = `${CHUNKED}5;x=y${CRLF}hello${CRLF}0${CRLF}${CRLF}`;
      expectComplete(feed([bytes(response)]), response);
    });

    it('waits for the final CRLF and for trailers after the last chunk', () => {
      const upToLast = `${CHUNKED}5${CRLF}hello${CRLF}0${CRLF}`;
      expectComplete(feed([bytes(upToLast), bytes(CRLF)]), upToLast + CRLF);
      expectComplete(feed([bytes(upToLast), bytes(`X-Sum: 1${CRLF}`), bytes(CRLF)]), `${upToLast}X-Sum: 1${CRLF}${CRLF}`);
    });

    it('pipelined responses are split at the message boundary', () => {
      const first = `${CHUNKED}0${CRLF}${CRLF}`;
      expectComplete(feed([bytes(first + 'HTTP/1.1 200 OK\r\n')]), first, 'HTTP/1.1 200 OK\r\n');
    });

    it('extra bytes are handed back, and the parser starts over for the next response', () => {
      const parse = makeHttpParser();
      const result = parse(bytes(CL5 + 'HTTP/1.1 201 Created\r\nContent-'));
      expectComplete(result, CL5, 'HTTP/1.1 201 Created\r\nContent-');
      if (!result[0]) return;
      expect(parse(result[2])).to.deep.equal([false]);
      expectComplete(parse(bytes('Length: 1\r\n\r\nx')), 'HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx');
    });

    it('Content-Length with Transfer-Encoding is rejected (2012: length wins, truncated)', () => {
      const parse = makeHttpParser();
      expectParseError(() => parse(bytes(`HTTP/1.1 200 OK${CRLF}Content-Length: 2${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}`)), 'HPE_CL_TE_CONFLICT');
    });

    it('conflicting Content-Length is rejected (2012: first wins, truncated)', () => {
      const parse = makeHttpParser();
      expectParseError(() => parse(bytes(`HTTP/1.1 200 OK${CRLF}Content-Length: 2${CRLF}Content-Length: 4${CRLF}${CRLF}abcd`)), 'HPE_UNEXPECTED_CONTENT_LENGTH');
    });

    it('Content-Length:5 without a space (2012: body dropped)', () => {
      const response = `HTTP/1.1 200 OK${CRLF}Content-Length:5${CRLF}${CRLF}hello`;
      expectComplete(feed([bytes(response)]), response);
    });

    it('header values do not change the bytes (2012: "sws" read as "ws", numbers as floats)', () => {
      const response = `HTTP/1.1 200 OK${CRLF}Server: sws${CRLF}X-Ver: 1.5${CRLF}Content-Length: 0${CRLF}${CRLF}`;
      expectComplete(feed([bytes(response)]), response);
    });

    it('a body cut short at EOF is an error, not a silent truncation', () => {
      const parse = makeHttpParser();
      expect(parse(bytes(CL5.slice(0, -2)))).to.deep.equal([false]);
      expectParseError(() => parse('eof'), 'HPE_INVALID_EOF_STATE');
    });

    it('garbage is an HttpParseError, not a crash', () => {
      expectParseError(() => makeHttpParser()(bytes('SSH-2.0-OpenSSH_9.6\r\n')), 'HPE_INVALID_CONSTANT');
    });

    it('a 101 completes at the header section and hands back the tunnel bytes', () => {
      const head = `HTTP/1.1 101 Switching Protocols${CRLF}Upgrade: websocket${CRLF}Connection: Upgrade${CRLF}${CRLF}`;
      expectComplete(feed([bytes(head + '\x81\x00')]), head, '\x81\x00');
    });

    it('accepts plain Uint8Array chunks', () => {
      expectComplete(feed([new Uint8Array(bytes(CL5))]), CL5);
    });
  });
});
