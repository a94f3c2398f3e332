import { expect } from 'chai';
import { HttpParseError } from '../../src/errors';
import { headerValue, headerValues } from '../../src/http/headers';
import { ResponseParser, type ResponseHandler, type ResponseHead } from '../../src/http/parser';
import { corpus } from './corpus';
import { byteByByte, bytes, expectLog, expectSplitInvariant, mutants, runResponse } from './harness';

describe('http/parser: ResponseParser', () => {
  describe('corpus (reference/http.md §3.3), whole and at every split', () => {
    const rows = corpus.length;
    it(`has the ${rows} rows of the table`, () => {
      expect(rows).to.equal(102);
      expect(new Set(corpus.map((c) => c.id)).size).to.equal(102);
      for (const c of corpus) expect(c.skip !== undefined || c.variants.length > 0, c.id).to.equal(true);
    });

    // Rows with `skip` are client behaviour, tested by id in spec/http/request.spec.ts.
    for (const c of corpus) {
      c.variants.forEach((v, k) => {
        const label = `${c.id}${c.variants.length > 1 ? String.fromCharCode(97 + k) : ''} ${c.title}${v.note ? ` (${v.note})` : ''}`;
        it(label, () => {
          const input = bytes(v.input);
          const run = (chunks: Buffer[]) => runResponse(chunks, v.options, v);
          const whole = run([input]);
          expectLog(whole, v.expect, 'whole input');
          expectSplitInvariant(whole, input, run);
        });
      });
    }
  });

  it('mutated corpus inputs: only typed errors, and the same events one byte at a time', () => {
    const inputs = corpus.flatMap((c) => c.variants.map((v) => bytes(v.input))).filter((b) => b.length < 4096);
    let runs = 0;
    for (const { mutant, round } of mutants(inputs, 12)) {
      const options = { lenient: round % 2 === 1 };
      // runResponse rethrows anything that is not an HttpParseError
      const whole = runResponse([mutant], options, { eof: true });
      expect(runResponse(byteByByte(mutant), options, { eof: true }), mutant.toString('latin1')).to.deep.equal(whole);
      runs++;
    }
    expect(runs).to.be.greaterThan(1500);
  });

  describe('interface', () => {
    class Capture implements ResponseHandler {
      heads: ResponseHead[] = [];
      chunks: Buffer[] = [];
      completed = 0;
      onHeaders(head: ResponseHead): void {
        this.heads.push(head);
      }
      onBody(chunk: Buffer): void {
        this.chunks.push(chunk);
      }
      onMessageComplete(): void {
        this.completed++;
      }
    }

    it('hands body bytes on as slices of the input, never copies', () => {
      const cap = new Capture();
      const parser = new ResponseParser(cap);
      const input = bytes(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello`);
      parser.execute(input);
      expect(cap.chunks).to.have.length(1);
      expect(cap.chunks[0].buffer).to.equal(input.buffer);
      expect(cap.chunks[0].byteOffset).to.equal(input.byteOffset + input.length - 5);
    });

    it('stays failed after an error and rethrows the same error', () => {
      const parser = new ResponseParser(new Capture());
      let first: unknown;
      try {
        parser.execute(bytes('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n'));
      } catch (err) {
        first = err;
      }
      expect(first).to.be.instanceOf(HttpParseError);
      expect((first as HttpParseError).code).to.equal('HPE_INVALID_CONTENT_LENGTH');
      expect(() => parser.execute(bytes('HTTP/1.1 200 OK\r\n\r\n'))).to.throw().that.equals(first);
      expect(() => parser.finish()).to.throw().that.equals(first);
    });

    it('reports the stream offset of the failing byte across buffers', () => {
      const parser = new ResponseParser(new Capture());
      parser.execute(bytes('HTTP/1.1 200 OK\r\n'));
      try {
        parser.execute(bytes('Foo: 1\rX'));
        expect.fail('no error');
      } catch (err) {
        expect((err as HttpParseError).code).to.equal('HPE_LF_EXPECTED');
        expect((err as HttpParseError).offset).to.equal(17 + 7);
      }
    });

    it('pause() in a callback stops execute there; resume() goes on with the rest', () => {
      const cap = new Capture();
      const parser = new ResponseParser({
        onHeaders: (h) => cap.onHeaders(h),
        onBody: (b) => cap.onBody(b),
        onMessageComplete: () => {
          cap.onMessageComplete();
          parser.pause();
        },
      });
      const first = 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA';
      const input = bytes(first + 'HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nB');
      const used = parser.execute(input);
      expect(used).to.equal(first.length);
      expect(cap.completed).to.equal(1);
      parser.resume();
      expect(parser.execute(input.subarray(used))).to.equal(input.length - used);
      expect(cap.heads.map((h) => h.status)).to.deep.equal([200, 201]);
    });

    it('execute returns the upgrade offset and consumes nothing afterwards', () => {
      const parser = new ResponseParser(new Capture());
      const head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
      expect(parser.execute(bytes(head + 'frames'))).to.equal(head.length);
      expect(parser.connectionDone).to.equal(true);
      expect(parser.execute(bytes('more'))).to.equal(0);
    });

    it('execute after finish() is misuse', () => {
      const parser = new ResponseParser(new Capture());
      parser.finish();
      expect(() => parser.execute(bytes('x'))).to.throw(Error, /after finish/);
    });

    it('tracks outstanding requests and idleness', () => {
      const parser = new ResponseParser(new Capture());
      parser.expectResponse('GET');
      parser.expectResponse('HEAD');
      expect(parser.pendingResponses).to.equal(2);
      parser.execute(bytes('HTTP/1.1 100 Continue\r\n\r\n'));
      expect(parser.pendingResponses).to.equal(2);
      parser.execute(bytes('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n'));
      expect(parser.pendingResponses).to.equal(1);
      expect(parser.idleBetweenMessages).to.equal(false);
      parser.execute(bytes('x'));
      expect(parser.idleBetweenMessages).to.equal(true);
    });

    it('lower-cases every field name, common or not, and matches common ones exactly', () => {
      const [head] = runResponse([
        bytes('HTTP/1.1 200 OK\r\nCONTENT-TYPE: a\r\nContent_Length: 9\r\nContent-Lengtx: 9\r\nX-Custom: b\r\nconnectioN: close\r\nContent-Length: 0\r\n\r\n'),
      ]);
      expect(head).to.deep.include({
        headers: [['content-type', 'a'], ['content_length', '9'], ['content-lengtx', '9'], ['x-custom', 'b'], ['connection', 'close'], ['content-length', '0']],
        contentLength: 0,
        keepAlive: false,
      });
    });

    it('accepts a large body at one buffer per socket read, slicing only', () => {
      const cap = new Capture();
      const parser = new ResponseParser(cap);
      const bodyBytes = Buffer.alloc(64 * 1024, 7);
      parser.execute(bytes(`HTTP/1.1 200 OK\r\nContent-Length: ${bodyBytes.length}\r\n\r\n`));
      for (let k = 0; k < bodyBytes.length; k += 16384) parser.execute(bodyBytes.subarray(k, k + 16384));
      expect(cap.completed).to.equal(1);
      expect(Buffer.concat(cap.chunks).equals(bodyBytes)).to.equal(true);
      expect(cap.chunks.every((c) => c.buffer === bodyBytes.buffer)).to.equal(true);
    });
  });
});

describe('http/headers', () => {
  const headers: [string, string][] = [
    ['content-type', 'text/plain'],
    ['vary', 'accept'],
    ['set-cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT'],
    ['vary', 'origin'],
    ['set-cookie', 'b=2'],
  ];

  it('headerValue: one value, repeats comma-joined, case-insensitive name', () => {
    expect(headerValue('Content-Type', headers)).to.equal('text/plain');
    expect(headerValue('vary', headers)).to.equal('accept, origin');
    expect(headerValue('x-missing', headers)).to.equal(undefined);
  });

  it('headerValue keeps set-cookie values apart (newline-joined); headerValues gives the array', () => {
    expect(headerValue('set-cookie', headers)).to.equal('a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT\nb=2');
    expect(headerValues('Set-Cookie', headers)).to.deep.equal(['a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT', 'b=2']);
    expect(headerValues('x-missing', headers)).to.deep.equal([]);
  });
});
