import { expect } from 'chai';
import {
  connectHost,
  crossOrigin,
  hostHeader,
  originOf,
  portOf,
  proxyMode,
  redirectHeaders,
  redirectPolicy,
  REDIRECT_STATUSES,
  refererFor,
  requestTarget,
  resolveRedirect,
} from '../../src/http/url';

const u = (text: string): URL => new URL(text);

function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('http/url', () => {
  describe('origins, ports and Host', () => {
    it('portOf fills in 80 and 443', () => {
      expect(portOf(u('http://h.example/'))).to.equal(80);
      expect(portOf(u('https://h.example/'))).to.equal(443);
      expect(portOf(u('http://h.example:8080/'))).to.equal(8080);
      expect(portOf(u('https://h.example:80/'))).to.equal(80);
    });

    it('refuses schemes other than http(s)', () => {
      expect(thrown(() => portOf(u('ftp://h.example/'))).code).to.equal('ERR_INVALID_URL_SCHEME');
      expect(thrown(() => originOf('file:///etc/passwd'))).to.be.instanceOf(TypeError);
      expect(thrown(() => proxyMode(u('ws://h.example/'))).code).to.equal('ERR_INVALID_URL_SCHEME');
    });

    it('originOf always writes the port', () => {
      expect(originOf('http://H.Example')).to.equal('http://h.example:80');
      expect(originOf(u('https://h.example:443/x?y#z'))).to.equal('https://h.example:443');
      expect(originOf('https://user:pw@h.example:8443/')).to.equal('https://h.example:8443');
      expect(originOf('http://[::1]:3000/')).to.equal('http://[::1]:3000');
    });

    it('crossOrigin compares scheme, host and port, default ports included', () => {
      expect(crossOrigin('http://a.example/x', 'http://a.example:80/y?q')).to.equal(false);
      expect(crossOrigin('http://a.example/', 'https://a.example/')).to.equal(true);
      expect(crossOrigin('http://a.example/', 'http://b.a.example/')).to.equal(true);
      expect(crossOrigin('http://a.example/', 'http://a.example:8080/')).to.equal(true);
      expect(crossOrigin(u('http://user@a.example/'), u('http://a.example/'))).to.equal(false);
    });

    it('hostHeader omits a default port, keeps IPv6 brackets, uses punycode', () => {
      expect(hostHeader(u('http://h.example:80/'))).to.equal('h.example');
      expect(hostHeader(u('https://h.example:443/'))).to.equal('h.example');
      expect(hostHeader(u('https://h.example:80/'))).to.equal('h.example:80');
      expect(hostHeader(u('http://h.example:8080/'))).to.equal('h.example:8080');
      expect(hostHeader(u('http://[::1]/'))).to.equal('[::1]');
      expect(hostHeader(u('http://[::1]:8080/'))).to.equal('[::1]:8080');
      expect(hostHeader(u('http://bücher.example/'))).to.equal('xn--bcher-kva.example');
      expect(hostHeader(u('http://user:pw@h.example/'))).to.equal('h.example');
    });

    it('connectHost strips IPv6 brackets', () => {
      expect(connectHost(u('http://[::1]:8080/'))).to.equal('::1');
      expect(connectHost(u('http://127.0.0.1/'))).to.equal('127.0.0.1');
      expect(connectHost(u('http://H.example/'))).to.equal('h.example');
    });
  });

  describe('requestTarget', () => {
    it('is the path and query, never the fragment', () => {
      expect(requestTarget('http://h.example')).to.equal('/');
      expect(requestTarget(u('http://h.example/a/b?x=1&y=2#frag'))).to.equal('/a/b?x=1&y=2');
      expect(requestTarget('http://h.example/?')).to.equal('/');
      expect(requestTarget('http://h.example/a b')).to.equal('/a%20b');
    });

    it('preserveUri keeps the caller\'s exact escaping and dot segments', () => {
      const raw = "http://h.example/a/./b/../c%7e%2F?x=%7e&y='q'&z=a+b#frag";
      expect(requestTarget(raw)).to.equal("/a/c%7e%2F?x=%7e&y=%27q%27&z=a+b");
      expect(requestTarget(raw, { preserveUri: true })).to.equal("/a/./b/../c%7e%2F?x=%7e&y='q'&z=a+b");
      expect(requestTarget('http://h.example?x=1', { preserveUri: true })).to.equal('/?x=1');
      expect(requestTarget('http://h.example', { preserveUri: true })).to.equal('/');
      expect(requestTarget('http://user:p@h.example:81/p#f', { preserveUri: true })).to.equal('/p');
      expect(requestTarget('HTTPS://h.example/caf%C3%A9', { preserveUri: true })).to.equal('/caf%C3%A9');
    });

    it('preserveUri refuses what a request line cannot carry', () => {
      for (const raw of ['http://h.example/a b', 'http://h.example/a\tb', 'http://h.example/日本']) {
        expect(thrown(() => requestTarget(raw, { preserveUri: true })).code, raw).to.equal('ERR_UNESCAPED_CHARACTERS');
      }
    });

    it('preserveUri with a URL object uses the URL as parsed', () => {
      expect(requestTarget(u('http://h.example/a/../b'), { preserveUri: true })).to.equal('/b');
    });

    it('absolute form for a forwarding proxy drops userinfo and fragment', () => {
      expect(requestTarget('http://user:pw@h.example:8080/p?q=1#f', { absolute: true })).to.equal('http://h.example:8080/p?q=1');
      expect(requestTarget('http://h.example:80', { absolute: true })).to.equal('http://h.example/');
      expect(requestTarget('http://h.example/a/./b', { absolute: true, preserveUri: true })).to.equal('http://h.example/a/./b');
    });

    it('proxyMode forwards http and tunnels https', () => {
      expect(proxyMode(u('http://h.example/'))).to.equal('forward');
      expect(proxyMode(u('https://h.example/'))).to.equal('tunnel');
    });
  });

  describe('redirectPolicy', () => {
    it('301, 302 and 303 turn every method but HEAD into a GET without body', () => {
      for (const status of [301, 302, 303]) {
        for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'GET', 'post']) {
          expect(redirectPolicy(status, method, true), `${status} ${method}`).to.deep.equal({ follow: true, method: 'GET', keepBody: false });
        }
        expect(redirectPolicy(status, 'HEAD', false)).to.deep.equal({ follow: true, method: 'HEAD', keepBody: false });
      }
    });

    it('307 and 308 keep the method and the body', () => {
      for (const status of [307, 308]) {
        expect(redirectPolicy(status, 'POST', true)).to.deep.equal({ follow: true, method: 'POST', keepBody: true });
        expect(redirectPolicy(status, 'GET', false)).to.deep.equal({ follow: true, method: 'GET', keepBody: false });
        expect(redirectPolicy(status, 'HEAD', false)).to.deep.equal({ follow: true, method: 'HEAD', keepBody: false });
      }
    });

    it('does not follow other statuses', () => {
      for (const status of [200, 300, 304, 305, 306, 309, 400]) {
        expect(redirectPolicy(status, 'POST', true).follow, String(status)).to.equal(false);
      }
      expect([...REDIRECT_STATUSES]).to.deep.equal([301, 302, 303, 307, 308]);
    });
  });

  describe('resolveRedirect', () => {
    const base = 'http://a.example/b/c/d;p?q';

    it('resolves relative references (RFC 3986 §5.4.1 examples)', () => {
      const cases: Array<[string, string]> = [
        ['g', 'http://a.example/b/c/g'],
        ['./g', 'http://a.example/b/c/g'],
        ['g/', 'http://a.example/b/c/g/'],
        ['/g', 'http://a.example/g'],
        ['//g.example', 'http://g.example/'],
        ['?y', 'http://a.example/b/c/d;p?y'],
        ['g?y', 'http://a.example/b/c/g?y'],
        ['../g', 'http://a.example/b/g'],
        ['../../../g', 'http://a.example/g'],
        ['https://other.example:8443/x', 'https://other.example:8443/x'],
      ];
      for (const [location, expected] of cases) expect(resolveRedirect(base, location)!.href, location).to.equal(expected);
    });

    it('keeps the request fragment unless the Location has its own (RFC 9110 §10.2.2)', () => {
      const from = u('http://a.example/page#section');
      expect(resolveRedirect(from, '/moved')!.href).to.equal('http://a.example/moved#section');
      expect(resolveRedirect(from, '/moved#other')!.href).to.equal('http://a.example/moved#other');
      expect(resolveRedirect(from, '/moved#')!.href).to.equal('http://a.example/moved#');
      expect(resolveRedirect('http://a.example/', '/moved')!.href).to.equal('http://a.example/moved');
    });

    it('gives null for an empty, unparseable or non-http(s) Location', () => {
      for (const location of ['', '   ', 'http://[bad', 'https://exa mple.com/', 'ftp://files.example/x', 'javascript:alert(1)', 'data:text/html,hi']) {
        expect(resolveRedirect(base, location), location).to.equal(null);
      }
    });

    it('reads raw UTF-8 in a Location decoded as Latin-1, and trims spaces', () => {
      const latin1 = Buffer.from('/café?q=ü', 'utf8').toString('latin1');
      expect(resolveRedirect(base, latin1)!.href).to.equal('http://a.example/caf%C3%A9?q=%C3%BC');
      expect(resolveRedirect(base, '/caf\u00e9')!.href).to.equal('http://a.example/caf%C3%A9');
      expect(resolveRedirect(base, '  /x  ')!.href).to.equal('http://a.example/x');
    });
  });

  describe('redirectHeaders and refererFor', () => {
    const headers: Array<[string, string]> = [
      ['Authorization', 'Basic x'],
      ['cookie', 'a=1'],
      ['Proxy-Authorization', 'Basic p'],
      ['host', 'a.example'],
      ['content-type', 'application/json'],
      ['Content-Length', '2'],
      ['x-custom', '1'],
      ['accept', '*/*'],
    ];
    const names = (list: Array<[string, string]>): string[] => list.map(([name]) => name.toLowerCase());

    it('keeps everything on the same origin when the body is kept', () => {
      const kept = redirectHeaders(headers, u('http://a.example/x'), u('http://a.example:80/y'), true);
      expect(kept).to.deep.equal(headers);
      expect(kept).to.not.equal(headers);
    });

    it('drops credentials and Host across origins', () => {
      expect(names(redirectHeaders(headers, u('http://a.example/'), u('https://a.example/'), true))).to.deep.equal([
        'content-type',
        'content-length',
        'x-custom',
        'accept',
      ]);
    });

    it('drops the body headers when the body is dropped', () => {
      expect(names(redirectHeaders(headers, u('http://a.example/'), u('http://a.example/z'), false))).to.deep.equal([
        'authorization',
        'cookie',
        'proxy-authorization',
        'host',
        'x-custom',
        'accept',
      ]);
      expect(names(redirectHeaders(headers, u('http://a.example/'), u('http://b.example/'), false))).to.deep.equal(['x-custom', 'accept']);
    });

    it('refererFor strips fragment and userinfo, and sends nothing from https to http', () => {
      expect(refererFor(u('https://u:p@a.example/p?q#f'), u('https://b.example/'))).to.equal('https://a.example/p?q');
      expect(refererFor(u('http://a.example/p'), u('https://b.example/'))).to.equal('http://a.example/p');
      expect(refererFor(u('https://a.example/p'), u('http://a.example/'))).to.equal(null);
    });
  });
});
