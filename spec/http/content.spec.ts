import { expect } from 'chai';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { HttpError } from '../../src/errors';
import { charsetOf, decodeText, decodingStream, isTextContentType, TEXT_CONTENT_TYPES } from '../../src/http/content';

const TEXT = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(200) + 'ünïcödé');

/** Feed `input` in pieces of `step` bytes (all at once by default) and collect the output. */
async function decode(encoding: string, input: Buffer, step = input.length || 1): Promise<Buffer> {
  const stream = decodingStream(encoding);
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = once(stream, 'end');
  for (let i = 0; i < input.length; i += step) stream.write(input.subarray(i, i + step));
  stream.end();
  await done;
  return Buffer.concat(chunks);
}

async function decodeError(encoding: string, input: Buffer): Promise<any> {
  try {
    await decode(encoding, input);
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('http/content', () => {
  describe('decodingStream', () => {
    const cases: Array<[string, string, (b: Buffer) => Buffer]> = [
      ['gzip', 'gzip', zlib.gzipSync],
      ['x-gzip', 'gzip', zlib.gzipSync],
      ['GZIP', 'gzip', zlib.gzipSync],
      ['deflate', 'zlib-wrapped deflate', zlib.deflateSync],
      ['deflate', 'raw deflate', zlib.deflateRawSync],
      ['br', 'brotli', zlib.brotliCompressSync],
    ];
    for (const [encoding, format, compress] of cases) {
      it(`decodes ${encoding} (${format}), whole and split into 1- and 7-byte pieces`, async () => {
        const compressed = compress(TEXT);
        expect((await decode(encoding, compressed)).equals(TEXT)).to.equal(true);
        expect((await decode(encoding, compressed, 1)).equals(TEXT)).to.equal(true);
        expect((await decode(encoding, compressed, 7)).equals(TEXT)).to.equal(true);
      });
    }

    it('tells zlib-wrapped from raw deflate at every compression level', async () => {
      for (let level = 0; level <= 9; level++) {
        expect((await decode('deflate', zlib.deflateSync(TEXT, { level }))).equals(TEXT), `zlib ${level}`).to.equal(true);
        expect((await decode('deflate', zlib.deflateRawSync(TEXT, { level }))).equals(TEXT), `raw ${level}`).to.equal(true);
      }
    });

    it('undoes several codings, the last applied first', async () => {
      const gzipThenBr = zlib.brotliCompressSync(zlib.gzipSync(TEXT));
      expect((await decode('gzip, br', gzipThenBr, 5)).equals(TEXT)).to.equal(true);
      const rawThenGzip = zlib.gzipSync(zlib.deflateRawSync(TEXT));
      expect((await decode('deflate,gzip', rawThenGzip, 3)).equals(TEXT)).to.equal(true);
      const zlibThenRaw = zlib.deflateRawSync(zlib.deflateSync(TEXT));
      expect((await decode(' Deflate , identity, deflate ', zlibThenRaw)).equals(TEXT)).to.equal(true);
    });

    it('passes identity and an empty coding through', async () => {
      expect((await decode('identity', TEXT, 100)).equals(TEXT)).to.equal(true);
      expect((await decode('', TEXT)).equals(TEXT)).to.equal(true);
    });

    it('decodes an empty body to nothing', async () => {
      for (const encoding of ['gzip', 'deflate', 'br', 'gzip, deflate']) {
        expect((await decode(encoding, Buffer.alloc(0))).length, encoding).to.equal(0);
      }
    });

    it('fails a corrupt stream with zlib\'s error', async () => {
      const corrupt = zlib.gzipSync(TEXT);
      corrupt.fill(0xff, 20, 40);
      const err = await decodeError('gzip', corrupt);
      expect(err.code).to.equal('Z_DATA_ERROR');
      expect((await decodeError('gzip', Buffer.from('plain text, not gzip'))).code).to.equal('Z_DATA_ERROR');
      const brotliError = await decodeError('br', Buffer.from('plain text, not brotli'));
      expect(brotliError).to.be.instanceOf(Error);
      expect(brotliError.code).to.be.a('string');
      expect((await decodeError('deflate', Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff]))).code).to.equal('Z_DATA_ERROR');
      const inner = zlib.brotliCompressSync(Buffer.from('not gzip inside'));
      expect((await decodeError('gzip, br', inner)).code).to.equal('Z_DATA_ERROR');
    });

    it('gives what it can of a body cut short (the framing layer reports the cut)', async () => {
      const gz = zlib.gzipSync(TEXT);
      const partial = await decode('gzip', gz.subarray(0, gz.length - 8));
      expect(partial.equals(TEXT)).to.equal(true);
      const df = zlib.deflateSync(TEXT);
      const partialDeflate = await decode('deflate', df.subarray(0, df.length >> 1));
      expect(TEXT.subarray(0, partialDeflate.length).equals(partialDeflate)).to.equal(true);
    });

    it('refuses unknown codings with a typed HttpError', () => {
      for (const encoding of ['compress', 'zstd', 'gzip, bogus']) {
        let err: any;
        try {
          decodingStream(encoding);
        } catch (e) {
          err = e;
        }
        expect(err, encoding).to.be.instanceOf(HttpError);
        expect(err.code).to.equal('CLASYNC_HTTP_UNSUPPORTED_ENCODING');
      }
    });

    it('is a Transform in every case', () => {
      for (const encoding of ['', 'gzip', 'deflate', 'br', 'gzip, br']) expect(decodingStream(encoding)).to.be.instanceOf(Transform);
    });

    it('keeps back-pressure: a chain holds little while nobody reads, then delivers everything', async () => {
      const size = 32 << 20;
      const compressed = zlib.gzipSync(zlib.deflateRawSync(Buffer.alloc(size, 'a')));
      const stream = decodingStream('deflate, gzip');
      stream.write(compressed);
      stream.end();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(stream.readableLength).to.be.below(1 << 20);
      let total = 0;
      stream.on('data', (chunk: Buffer) => (total += chunk.length));
      await once(stream, 'end');
      expect(total).to.equal(size);
    });

    it('stops its decoders when destroyed', async () => {
      const stream = decodingStream('deflate');
      stream.write(zlib.deflateSync(TEXT));
      stream.destroy();
      await once(stream, 'close');
      expect(stream.destroyed).to.equal(true);
    });
  });

  describe('isTextContentType', () => {
    it('takes text/*, JSON, XML and JavaScript types as text', () => {
      for (const type of [
        'text/html',
        'text/plain; charset=utf-8',
        'TEXT/CSV',
        'application/json',
        'application/json;charset=UTF-8',
        'application/ld+json',
        'application/problem+json',
        'application/vnd.api+json',
        'application/xml',
        'application/atom+xml',
        'image/svg+xml',
        'application/javascript',
        'application/x-javascript',
        'application/ecmascript',
        ' text/xml ; q=1',
      ]) {
        expect(isTextContentType(type), type).to.equal(true);
      }
    });

    it('takes other types as binary', () => {
      for (const type of ['application/octet-stream', 'image/png', 'application/jsonx', 'application/json-seq', 'text', '', null, undefined, '/json']) {
        expect(isTextContentType(type), String(type)).to.equal(false);
      }
    });

    it('takes a list of patterns, like binding *text-content-types*', () => {
      expect(isTextContentType('application/x-ndjson', [...TEXT_CONTENT_TYPES, 'application/x-ndjson'])).to.equal(true);
      expect(isTextContentType('application/json', ['text/*'])).to.equal(false);
      expect(isTextContentType('anything/goes', ['*/*'])).to.equal(true);
    });
  });

  describe('charsetOf', () => {
    it('reads the charset parameter, quoted or not, lower-cased', () => {
      expect(charsetOf('text/html; charset=UTF-8')).to.equal('utf-8');
      expect(charsetOf('text/html;charset="ISO-8859-1"')).to.equal('iso-8859-1');
      expect(charsetOf('text/plain; format=flowed; Charset = windows-1252 ; delsp=yes')).to.equal('windows-1252');
      expect(charsetOf('text/plain; charset="a\\"b"')).to.equal('a"b');
    });

    it('is undefined when there is none', () => {
      expect(charsetOf('text/html')).to.equal(undefined);
      expect(charsetOf('text/html; charset=')).to.equal(undefined);
      expect(charsetOf('text/html; xcharset=utf-8')).to.equal(undefined);
      expect(charsetOf(undefined)).to.equal(undefined);
    });
  });

  describe('decodeText', () => {
    it('defaults to UTF-8 and drops a byte-order mark', () => {
      expect(decodeText(Buffer.from('héllo'))).to.equal('héllo');
      expect(decodeText(Buffer.from('\ufeff{"a":1}'), 'utf-8')).to.equal('{"a":1}');
      expect(decodeText(Buffer.from([0xff]), 'UTF8')).to.equal('\ufffd');
    });

    it('reads iso-8859-1 and ascii as true Latin-1', () => {
      const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x80]);
      expect(decodeText(bytes, 'iso-8859-1')).to.equal('caf\u00e9\u0080');
      expect(decodeText(bytes, 'latin1')).to.equal('caf\u00e9\u0080');
      expect(decodeText(bytes, 'US-ASCII')).to.equal('caf\u00e9\u0080');
    });

    it('reads UTF-16, with or without a byte-order mark', () => {
      expect(decodeText(Buffer.from('\ufeffhi ✓', 'utf16le'), 'utf-16')).to.equal('hi ✓');
      expect(decodeText(Buffer.from('hi', 'utf16le'), 'utf-16le')).to.equal('hi');
      expect(decodeText(Buffer.from([0x00, 0x68, 0x00, 0x69]), 'utf-16be')).to.equal('hi');
    });

    it('reads windows-1252 with its own characters for 0x80-0x9F', () => {
      expect(decodeText(Buffer.from([0x80, 0x20, 0x93, 0x71, 0x94, 0x81, 0xe9]), 'windows-1252')).to.equal('€ “q”\u0081é');
      expect(decodeText(Buffer.from([0x99]), 'cp1252')).to.equal('™');
    });

    it('reads other labels through TextDecoder', () => {
      expect(decodeText(Buffer.from([0xa1]), 'iso-8859-2')).to.equal('Ą');
      expect(decodeText(Buffer.from([0x82, 0xa0]), 'Shift_JIS')).to.equal('あ');
      expect(decodeText(Buffer.from([0xc1, 0xc2]), 'koi8-r')).to.equal('аб');
    });

    it('falls back to UTF-8 for an unknown label', () => {
      expect(decodeText(Buffer.from('\ufeffnaïve'), 'x-made-up')).to.equal('naïve');
    });
  });
});
