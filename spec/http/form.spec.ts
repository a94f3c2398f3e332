import { expect } from 'chai';
import { mkdtempSync, rmSync, truncateSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HttpError } from '../../src/errors';
import {
  appendQuery,
  basicAuthorization,
  encodeParameters,
  hasFileParts,
  isFilePart,
  multipart,
  urlEncode,
  type MultipartBody,
} from '../../src/http/form';

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('http/form', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cl-async-form-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('urlEncode / encodeParameters', () => {
    it('encodes as browsers do: UTF-8, space as +, only ALPHA DIGIT *-._ left bare', () => {
      expect(urlEncode('plain-Text_0.9*')).to.equal('plain-Text_0.9*');
      expect(urlEncode("a b&c=d/é~!'()+%")).to.equal('a+b%26c%3Dd%2F%C3%A9%7E%21%27%28%29%2B%25');
      expect(urlEncode('日本')).to.equal('%E6%97%A5%E6%9C%AC');
      expect(urlEncode('😀')).to.equal('%F0%9F%98%80');
      expect(urlEncode('\r\n')).to.equal('%0D%0A');
    });

    it('matches URLSearchParams byte for byte, lone surrogates included', () => {
      const samples = ['', ' ', '\u0000\u007f\u0080\u00ff', 'x\ud800y', '\udc00', 'a+b', "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"];
      for (let code = 0; code < 0x250; code++) samples.push(String.fromCharCode(code));
      for (const text of samples) {
        expect(urlEncode(text), JSON.stringify(text)).to.equal(new URLSearchParams([['', text]]).toString().slice(1));
      }
    });

    it('takes pairs in order (repeats kept) or an object; null sends the name alone, undefined omits it', () => {
      expect(encodeParameters([['a', '1'], ['b', 'x y'], ['a', '2'], ['flag', null], ['skip', undefined], ['n', 3], ['t', true]])).to.equal(
        'a=1&b=x+y&a=2&flag&n=3&t=true',
      );
      expect(encodeParameters({ q: 'café', empty: '', none: null, gone: undefined })).to.equal('q=caf%C3%A9&empty=&none');
      expect(encodeParameters([])).to.equal('');
      expect(encodeParameters([['gone', undefined], ['a', '1']])).to.equal('a=1');
    });

    it('appendQuery adds to an existing query, keeps the fragment and leaves the input alone', () => {
      const url = new URL('http://h.example/p?x=1#frag');
      const result = appendQuery(url, [['a', 'b c']]);
      expect(result.href).to.equal('http://h.example/p?x=1&a=b+c#frag');
      expect(url.href).to.equal('http://h.example/p?x=1#frag');
      expect(appendQuery('http://h.example/p', { a: '1' }).href).to.equal('http://h.example/p?a=1');
      expect(appendQuery('http://h.example/p?', { a: '1' }).href).to.equal('http://h.example/p?a=1');
      expect(appendQuery('http://h.example/p?x=%7e', {}).href).to.equal('http://h.example/p?x=%7e');
    });
  });

  describe('multipart', () => {
    it('lays out fields, bytes and files byte for byte, with a matching contentLength', async () => {
      const file = join(dir, 'notes.txt');
      writeFileSync(file, 'file body\n');
      const body = await multipart(
        [
          ['text', 'héllo'],
          ['empty', null],
          ['skipped', undefined],
          ['num', 42],
          ['raw', Buffer.from([0, 1, 2])],
          ['upload', { path: file, contentType: 'text/plain' }],
          ['inline', { content: Buffer.from('abc'), filename: 'a.bin' }],
          ['str', { content: 'ü', filename: 'u.txt', contentType: 'text/plain; charset=utf-8' }],
        ],
        'XyZ',
      );
      const expected =
        '--XyZ\r\nContent-Disposition: form-data; name="text"\r\n\r\nhéllo\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="empty"\r\n\r\n\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="num"\r\n\r\n42\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="raw"\r\n\r\n\x00\x01\x02\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="upload"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nfile body\n\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="inline"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\nabc\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="str"; filename="u.txt"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nü\r\n' +
        '--XyZ--\r\n';
      const bytes = await collect(body);
      expect(bytes.toString('utf8')).to.equal(expected);
      expect(body.contentLength).to.equal(Buffer.byteLength(expected));
      expect(body.boundary).to.equal('XyZ');
      expect(body.contentType).to.equal('multipart/form-data; boundary=XyZ');
      // Replayable (redirects with 307/308): the same bytes again.
      expect((await collect(body)).equals(bytes)).to.equal(true);
    });

    it('takes an object of fields; an empty form is the closing boundary alone', async () => {
      const body = await multipart({ a: '1' }, 'b');
      expect((await collect(body)).toString()).to.equal('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n');
      const empty = await multipart([], 'b');
      expect((await collect(empty)).toString()).to.equal('--b--\r\n');
      expect(empty.contentLength).to.equal(7);
    });

    it('escapes quotes and line breaks in names and filenames as browsers do', async () => {
      const body = await multipart([['a"b\r\nc', { content: Buffer.alloc(0), filename: 'x"\ny.txt' }]], 'B');
      expect((await collect(body)).toString()).to.equal(
        '--B\r\nContent-Disposition: form-data; name="a%22b%0D%0Ac"; filename="x%22%0Ay.txt"\r\n' +
          'Content-Type: application/octet-stream\r\n\r\n\r\n--B--\r\n',
      );
    });

    it('names anonymous content "blob" and refuses a Content-Type with a line break', async () => {
      const body = await multipart([['f', { content: Buffer.from('z') }]], 'B');
      expect((await collect(body)).toString()).to.contain('name="f"; filename="blob"');
      const err = await rejection(multipart([['f', { content: 'z', contentType: 'text/plain\r\nX-Evil: 1' }]], 'B'));
      expect(err).to.be.instanceOf(TypeError);
    });

    it('makes a random boundary, and quotes one that is not a token', async () => {
      const a = await multipart([['x', '1']]);
      const b = await multipart([['x', '1']]);
      expect(a.boundary).to.match(/^----cl-async-[0-9a-f]{32}$/);
      expect(a.boundary).to.not.equal(b.boundary);
      expect((await multipart([], 'a:b c')).contentType).to.equal('multipart/form-data; boundary="a:b c"');
    });

    it('refuses invalid boundaries', async () => {
      for (const boundary of ['', 'x'.repeat(71), 'ends in space ', 'semi;colon', 'quote"']) {
        expect(await rejection(multipart([], boundary)), boundary).to.be.instanceOf(TypeError);
      }
      await multipart([], 'x'.repeat(70));
    });

    it('streams a file from disk in chunks rather than reading it whole', async () => {
      const file = join(dir, 'big.bin');
      const data = Buffer.alloc(1 << 20);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
      writeFileSync(file, data);
      const body = await multipart([['f', { path: file }]], 'B');
      const head = Buffer.from('--B\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n');
      const tail = Buffer.from('\r\n--B--\r\n');
      expect(body.contentLength).to.equal(head.length + data.length + tail.length);
      let largest = 0;
      const chunks: Buffer[] = [];
      for await (const chunk of body) {
        largest = Math.max(largest, chunk.length);
        chunks.push(chunk);
      }
      expect(largest).to.be.at.most(64 * 1024);
      expect(Buffer.concat(chunks).equals(Buffer.concat([head, data, tail]))).to.equal(true);
    });

    it('sends exactly the stat-ed length: a grown file is cut, a shrunk one is an error', async () => {
      const file = join(dir, 'changing.txt');
      writeFileSync(file, '12345');
      const grown = await multipart([['f', { path: file }]], 'B');
      appendFileSync(file, '6789');
      expect((await collect(grown)).toString()).to.contain('\r\n\r\n12345\r\n--B--');

      const shrunk = await multipart([['f', { path: file }]], 'B');
      truncateSync(file, 3);
      const err = await rejection(collect(shrunk));
      expect(err).to.be.instanceOf(HttpError);
      expect(err.code).to.equal('CLASYNC_HTTP_CONTENT_LENGTH_MISMATCH');
    });

    it('handles empty files', async () => {
      const file = join(dir, 'empty');
      writeFileSync(file, '');
      const body = await multipart([['f', { path: file, filename: 'e' }]], 'B');
      expect((await collect(body)).toString()).to.equal(
        '--B\r\nContent-Disposition: form-data; name="f"; filename="e"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--B--\r\n',
      );
    });

    it('rejects a missing file or a directory when the body is built', async () => {
      expect((await rejection(multipart([['f', { path: join(dir, 'nope') }]]))).code).to.equal('ENOENT');
      mkdirSync(join(dir, 'sub'));
      expect(await rejection(multipart([['f', { path: join(dir, 'sub') }]]))).to.be.instanceOf(TypeError);
    });

    it('streams a Readable or async iterable part once, with an unknown length', async () => {
      async function* gen(): AsyncGenerator<Uint8Array | string> {
        yield new Uint8Array([65, 66]);
        yield 'C';
      }
      const body = await multipart(
        [
          ['r', { content: Readable.from([Buffer.from('xy'), Buffer.from('z')]), filename: 'r.txt' }],
          ['g', { content: gen(), filename: 'g.txt' }],
        ],
        'B',
      );
      expect(body.contentLength).to.equal(undefined);
      const text = (await collect(body)).toString();
      expect(text).to.contain('filename="r.txt"\r\nContent-Type: application/octet-stream\r\n\r\nxyz\r\n--B\r\n');
      expect(text).to.contain('filename="g.txt"\r\nContent-Type: application/octet-stream\r\n\r\nABC\r\n--B--\r\n');
      expect((await rejection(collect(body))).message).to.match(/only be sent once/);
    });

    it('gives a Readable with the same bytes', async () => {
      const body: MultipartBody = await multipart([['a', '1'], ['b', { content: Buffer.from('2') }]], 'B');
      const viaStream = await collect(body.stream());
      expect(viaStream.equals(await collect(body))).to.equal(true);
      expect(viaStream.length).to.equal(body.contentLength);
    });

    it('tells file parts apart', () => {
      expect(isFilePart({ path: '/x' })).to.equal(true);
      expect(isFilePart({ content: Buffer.alloc(1) })).to.equal(true);
      expect(isFilePart(Buffer.from('path'))).to.equal(false);
      expect(isFilePart('x')).to.equal(false);
      expect(isFilePart(null)).to.equal(false);
      expect(hasFileParts([['a', '1'], ['f', { path: '/x' }]])).to.equal(true);
      expect(hasFileParts({ a: '1', b: Buffer.from('x') })).to.equal(false);
    });
  });

  describe('basicAuthorization', () => {
    it('encodes user:password in base64, UTF-8 (RFC 7617 examples)', () => {
      expect(basicAuthorization(['Aladdin', 'open sesame'])).to.equal('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
      expect(basicAuthorization(['test', '123\u00a3'])).to.equal('Basic dGVzdDoxMjPCow==');
      expect(basicAuthorization(['u', 'pa:ss'])).to.equal(`Basic ${Buffer.from('u:pa:ss').toString('base64')}`);
    });

    it('refuses a user-id with a colon', () => {
      expect(() => basicAuthorization(['a:b', 'c'])).to.throw(TypeError);
    });
  });
});
