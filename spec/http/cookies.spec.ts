import { expect } from 'chai';
import { CookieJar, parseCookieDate, parseSetCookie } from '../../src/http/cookies';

const T0 = Date.UTC(2020, 0, 1, 0, 0, 0);

/** A jar on a clock the test moves by hand. */
function jarAt(start = T0): { jar: CookieJar; clock: { now: number } } {
  const clock = { now: start };
  return { jar: new CookieJar({ now: () => clock.now }), clock };
}

function receive(jar: CookieJar, url: string, ...setCookies: string[]): void {
  jar.updateFromResponse(url, setCookies.map((value) => ['set-cookie', value] as [string, string]));
}

describe('http/cookies', () => {
  describe('RFC 6265 §3.1 examples', () => {
    it('a host-only session cookie is sent back to the same host', () => {
      const { jar } = jarAt();
      receive(jar, 'http://example.com/', 'SID=31d4d96e407aad42');
      expect(jar.cookieHeader('http://example.com/')).to.equal('SID=31d4d96e407aad42');
      expect(jar.cookieHeader('http://www.example.com/')).to.equal(null);
    });

    it('Domain cookies reach subdomains, in creation order', () => {
      const { jar } = jarAt();
      receive(
        jar,
        'http://example.com/',
        'SID=31d4d96e407aad42; Path=/; Domain=example.com',
        'lang=en-US; Path=/; Domain=example.com',
      );
      expect(jar.cookieHeader('http://example.com/')).to.equal('SID=31d4d96e407aad42; lang=en-US');
      expect(jar.cookieHeader('http://www.example.com/any/path')).to.equal('SID=31d4d96e407aad42; lang=en-US');
      expect(jar.cookieHeader('http://notexample.com/')).to.equal(null);
    });

    it('Secure cookies go over https only; HttpOnly is recorded', () => {
      const { jar } = jarAt();
      receive(jar, 'https://example.com/', 'SID=31d4d96e407aad42; Path=/; Secure; HttpOnly', 'lang=en-US; Path=/; Domain=example.com');
      expect(jar.cookieHeader('https://example.com/')).to.equal('SID=31d4d96e407aad42; lang=en-US');
      expect(jar.cookieHeader('http://example.com/')).to.equal('lang=en-US');
      const sid = jar.cookies.find((c) => c.name === 'SID')!;
      expect(sid).to.include({ secure: true, httpOnly: true, hostOnly: true, domain: 'example.com', path: '/' });
    });

    it('an Expires in the past removes the cookie', () => {
      const { jar } = jarAt();
      receive(jar, 'http://example.com/', 'lang=en-US; Expires=Wed, 09 Jun 2021 10:18:14 GMT');
      expect(jar.cookies[0].expires!.toISOString()).to.equal('2021-06-09T10:18:14.000Z');
      expect(jar.cookieHeader('http://example.com/')).to.equal('lang=en-US');
      receive(jar, 'http://example.com/', 'lang=; Expires=Sun, 06 Nov 1994 08:49:37 GMT');
      expect(jar.cookies).to.deep.equal([]);
      expect(jar.cookieHeader('http://example.com/')).to.equal(null);
    });
  });

  describe('Domain', () => {
    it('ignores a leading dot and case', () => {
      const { jar } = jarAt();
      receive(jar, 'http://www.Example.COM/', 'a=1; Domain=.EXAMPLE.com');
      expect(jar.cookies[0]).to.include({ domain: 'example.com', hostOnly: false });
      expect(jar.cookieHeader('http://deep.sub.example.com/')).to.equal('a=1');
    });

    it('refuses a Domain the host does not domain-match', () => {
      const { jar } = jarAt();
      receive(jar, 'http://www.example.com/', 'a=1; Domain=other.com', 'b=2; Domain=ample.com', 'c=3; Domain=sub.www.example.com');
      expect(jar.cookies).to.deep.equal([]);
    });

    it('an empty Domain attribute is ignored (host-only cookie)', () => {
      const { jar } = jarAt();
      receive(jar, 'http://www.example.com/', 'a=1; Domain=');
      expect(jar.cookies[0]).to.include({ domain: 'www.example.com', hostOnly: true });
    });

    it('the last Domain attribute wins', () => {
      const { jar } = jarAt();
      receive(jar, 'http://a.b.example.com/', 'a=1; Domain=a.b.example.com; Domain=example.com');
      expect(jar.cookies[0].domain).to.equal('example.com');
    });

    it('refuses single-label (public suffix) domains, unless the host itself sets a host-only cookie', () => {
      const { jar } = jarAt();
      receive(jar, 'http://example.com/', 'a=1; Domain=com');
      expect(jar.cookies).to.deep.equal([]);
      receive(jar, 'http://localhost:8080/', 'b=2; Domain=localhost');
      expect(jar.cookies[0]).to.include({ name: 'b', domain: 'localhost', hostOnly: true });
      expect(jar.cookieHeader('http://localhost:9999/x')).to.equal('b=2');
    });

    it('takes a public-suffix lookup', () => {
      const jar = new CookieJar({ now: () => T0, isPublicSuffix: (d) => d === 'co.uk' || !d.includes('.') });
      receive(jar, 'http://shop.co.uk/', 'a=1; Domain=co.uk');
      expect(jar.cookies).to.deep.equal([]);
      receive(jar, 'http://www.shop.co.uk/', 'b=2; Domain=shop.co.uk');
      expect(jar.cookieHeader('http://shop.co.uk/')).to.equal('b=2');
      expect(jar.cookieHeader('http://other.co.uk/')).to.equal(null);
    });

    it('gives IP hosts host-only cookies and refuses other Domains for them', () => {
      const { jar } = jarAt();
      receive(jar, 'http://127.0.0.1:8000/', 'a=1; Domain=127.0.0.1', 'b=2; Domain=0.0.1', 'c=3');
      expect(jar.cookies.map((c) => [c.name, c.domain, c.hostOnly])).to.deep.equal([
        ['a', '127.0.0.1', true],
        ['c', '127.0.0.1', true],
      ]);
      expect(jar.cookieHeader('http://127.0.0.1/')).to.equal('a=1; c=3');
      expect(jar.cookieHeader('http://127.0.0.2/')).to.equal(null);
      receive(jar, 'http://[::1]:8000/', 'v6=1; Domain=::1');
      expect(jar.cookieHeader('http://[::1]/')).to.equal('v6=1');
    });

    it('compares internationalised domains in punycode', () => {
      const { jar } = jarAt();
      receive(jar, 'http://www.bücher.example/', 'a=1; Domain=BÜCHER.example');
      expect(jar.cookies[0].domain).to.equal('xn--bcher-kva.example');
      expect(jar.cookieHeader('http://bücher.example/')).to.equal('a=1');
    });
  });

  describe('Path', () => {
    it('defaults to the directory of the request path', () => {
      const { jar } = jarAt();
      receive(jar, 'http://h.example/docs/index.html', 'a=1');
      receive(jar, 'http://h.example/top', 'b=2');
      receive(jar, 'http://h.example/docs/x/', 'c=3; Path=relative');
      expect(jar.cookies.map((c) => [c.name, c.path])).to.deep.equal([
        ['a', '/docs'],
        ['b', '/'],
        ['c', '/docs/x'],
      ]);
    });

    it('path-matches on segment boundaries', () => {
      const { jar } = jarAt();
      receive(jar, 'http://h.example/', 'a=1; Path=/docs', 'b=2; Path=/docs/');
      expect(jar.cookieHeader('http://h.example/docs')).to.equal('a=1');
      expect(jar.cookieHeader('http://h.example/docs/')).to.equal('b=2; a=1');
      expect(jar.cookieHeader('http://h.example/docs/web/x.html?q=1')).to.equal('b=2; a=1');
      expect(jar.cookieHeader('http://h.example/docsx')).to.equal(null);
      expect(jar.cookieHeader('http://h.example/')).to.equal(null);
    });

    it('sorts longer paths first, then older cookies (§5.4), and a replacement keeps its age', () => {
      const { jar } = jarAt();
      receive(jar, 'http://h.example/', 'first=1; Path=/', 'deep=1; Path=/a/b', 'second=1; Path=/', 'mid=1; Path=/a');
      expect(jar.cookieHeader('http://h.example/a/b/c')).to.equal('deep=1; mid=1; first=1; second=1');
      receive(jar, 'http://h.example/', 'first=2; Path=/');
      expect(jar.cookieHeader('http://h.example/a/b/c')).to.equal('deep=1; mid=1; first=2; second=1');
    });

    it('keeps cookies with the same name apart by path and by domain', () => {
      const { jar } = jarAt();
      receive(jar, 'http://www.example.com/', 'id=root; Path=/', 'id=app; Path=/app', 'id=wide; Domain=example.com');
      expect(jar.cookies).to.have.length(3);
      expect(jar.cookieHeader('http://www.example.com/app')).to.equal('id=app; id=root; id=wide');
    });
  });

  describe('expiry', () => {
    it('Max-Age counts from the jar clock', () => {
      const { jar, clock } = jarAt();
      receive(jar, 'http://h.example/', 'a=1; Max-Age=60');
      expect(jar.cookies[0].expires!.getTime()).to.equal(T0 + 60_000);
      clock.now += 59_999;
      expect(jar.cookieHeader('http://h.example/')).to.equal('a=1');
      clock.now += 1;
      expect(jar.cookieHeader('http://h.example/')).to.equal(null);
      expect(jar.cookies).to.deep.equal([]);
    });

    it('Max-Age wins over Expires in either order', () => {
      const { jar } = jarAt();
      receive(
        jar,
        'http://h.example/',
        'a=1; Max-Age=10; Expires=Wed, 09 Jun 2021 10:18:14 GMT',
        'b=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Max-Age=10',
        'c=1; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Max-Age=10',
      );
      expect(jar.cookies.map((c) => c.expires!.getTime())).to.deep.equal([T0 + 10_000, T0 + 10_000, T0 + 10_000]);
    });

    it('Max-Age of zero or less deletes; a malformed Max-Age is ignored', () => {
      const { jar } = jarAt();
      receive(jar, 'http://h.example/', 'a=1', 'b=1', 'c=1; Max-Age=1x', 'd=1; Max-Age=+5');
      receive(jar, 'http://h.example/', 'a=; Max-Age=0', 'b=; Max-Age=-1');
      expect(jar.cookies.map((c) => [c.name, c.expires])).to.deep.equal([
        ['c', null],
        ['d', null],
      ]);
    });

    it('an unparseable Expires leaves a session cookie', () => {
      const { jar } = jarAt();
      receive(jar, 'http://h.example/', 'a=1; Expires=someday soon');
      expect(jar.cookies[0].expires).to.equal(null);
    });

    it('a huge Max-Age stays a valid Date', () => {
      const { jar } = jarAt();
      receive(jar, 'http://h.example/', 'a=1; Max-Age=99999999999999999999');
      expect(Number.isNaN(jar.cookies[0].expires!.getTime())).to.equal(false);
    });

    it('deleteOldCookies drops expired and session cookies (Drakma)', () => {
      const { jar, clock } = jarAt();
      receive(jar, 'http://h.example/', 'session=1', 'short=1; Max-Age=5', 'long=1; Max-Age=500');
      clock.now += 10_000;
      jar.deleteOldCookies();
      expect(jar.cookies.map((c) => c.name)).to.deep.equal(['long']);
      jar.clear();
      expect(jar.cookies).to.deep.equal([]);
    });
  });

  describe('parseCookieDate', () => {
    const cases: Array<[string, string]> = [
      ['Sun, 06 Nov 1994 08:49:37 GMT', '1994-11-06T08:49:37Z'],
      ['Sunday, 06-Nov-94 08:49:37 GMT', '1994-11-06T08:49:37Z'],
      ['Sun Nov  6 08:49:37 1994', '1994-11-06T08:49:37Z'],
      ['Wed, 06-Feb-2008 21:01:38 GMT', '2008-02-06T21:01:38Z'],
      ['Wed, 06-Feb-08 21:01:38 GMT', '2008-02-06T21:01:38Z'],
      ['Tue Feb 13 08:00:00 2007 GMT', '2007-02-13T08:00:00Z'],
      ['Wednesday, 07-February-2027 08:55:23 GMT', '2027-02-07T08:55:23Z'],
      ['Wed, 07-02-2017 10:34:45 GMT', '2017-02-07T10:34:45Z'],
      ['Wed, 06 Feb 2008 21:01:38 CEST', '2008-02-06T21:01:38Z'],
      ['Thu, 01 Jan 1970 00:00:00 GMT', '1970-01-01T00:00:00Z'],
      ['1 jan 69 1:2:3', '2069-01-01T01:02:03Z'],
      ['1 jan 70 1:2:3', '1970-01-01T01:02:03Z'],
      ['Fri, 31 Dec 9999 23:59:59 GMT', '9999-12-31T23:59:59Z'],
    ];
    for (const [text, iso] of cases) {
      it(`reads ${JSON.stringify(text)}`, () => {
        expect(parseCookieDate(text)?.toISOString()).to.equal(new Date(iso).toISOString());
      });
    }

    it('refuses impossible or incomplete dates', () => {
      for (const text of [
        'garbage',
        '',
        'Sun, 06 Nov 1994',
        'Sun, 30 Feb 2020 10:00:00 GMT',
        'Sun, 06 Nov 1600 08:49:37 GMT',
        'Sun, 06 Nov 1994 24:00:00 GMT',
        'Sun, 06 Nov 1994 08:60:00 GMT',
        'Sun, 32 Nov 1994 08:49:37 GMT',
        'Sun, 00 Nov 1994 08:49:37 GMT',
      ]) {
        expect(parseCookieDate(text), text).to.equal(null);
      }
    });
  });

  describe('parseSetCookie and odd headers', () => {
    it('parses every attribute, case-insensitively, trimming spaces', () => {
      expect(
        parseSetCookie(' id = a3fWa ;expires=Wed, 21 Oct 2015 07:28:00 GMT; max-age=5 ;DOMAIN=.Example.org; path=/p; SECURE; httponly; SameSite=Lax; Unknown=x'),
      ).to.deep.equal({
        name: 'id',
        value: 'a3fWa',
        expires: new Date('2015-10-21T07:28:00Z'),
        maxAge: 5,
        domain: 'example.org',
        path: '/p',
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      });
    });

    it('refuses a pair without "=", an empty name, control characters and oversized cookies', () => {
      expect(parseSetCookie('justavalue')).to.equal(null);
      expect(parseSetCookie('=value')).to.equal(null);
      expect(parseSetCookie('a=b\x01c')).to.equal(null);
      expect(parseSetCookie(`a=${'x'.repeat(4096)}`)).to.equal(null);
      expect(parseSetCookie(`a=${'x'.repeat(4095)}`)).to.not.equal(null);
    });

    it('keeps quotes, "=" in values and empty values', () => {
      const { jar } = jarAt();
      receive(jar, 'http://h.example/', 'q="quoted value"', 'b64=YQ==', 'empty=');
      expect(jar.cookieHeader('http://h.example/')).to.equal('q="quoted value"; b64=YQ==; empty=');
    });

    it('keeps SameSite as an attribute in the listing', () => {
      const { jar } = jarAt();
      receive(jar, 'https://h.example/', 'a=1; SameSite=Strict; Secure');
      expect(jar.cookies[0].sameSite).to.equal('Strict');
      expect(jar.cookieHeader('https://h.example/')).to.equal('a=1');
    });

    it('setCookie tells whether the cookie was stored', () => {
      const { jar } = jarAt();
      expect(jar.setCookie('a=1; Domain=elsewhere.example', 'http://h.example/')).to.equal(null);
      expect(jar.setCookie('a=1', new URL('http://h.example/'))).to.include({ name: 'a', value: '1' });
    });
  });

  describe('the jar', () => {
    it('takes only set-cookie from a headers alist, every repeat of it', () => {
      const { jar } = jarAt();
      jar.updateFromResponse(new URL('http://h.example/'), [
        ['content-type', 'text/html'],
        ['set-cookie', 'a=1'],
        ['x-set-cookie', 'evil=1'],
        ['Set-Cookie', 'b=2'],
      ]);
      expect(jar.cookieHeader('http://h.example/')).to.equal('a=1; b=2');
    });

    it('lists cookies like Drakma (name, value, domain, path, expires, secure, httpOnly)', () => {
      const { jar } = jarAt();
      receive(jar, 'https://www.example.com/a/b', 'n=v; Max-Age=1; Domain=example.com; Secure; HttpOnly');
      expect(jar.cookies).to.deep.equal([
        {
          name: 'n',
          value: 'v',
          domain: 'example.com',
          path: '/a',
          expires: new Date(T0 + 1000),
          secure: true,
          httpOnly: true,
          hostOnly: false,
          sameSite: null,
        },
      ]);
    });

    it('takes cookies by hand, as Drakma users build them, matching subdomains', () => {
      const jar = new CookieJar({ now: () => T0, cookies: [{ name: 'pref', value: 'dark', domain: '.example.com' }] });
      jar.addCookie({ name: 'token', value: 't', domain: 'api.example.com', path: '/v1', secure: true, hostOnly: true });
      expect(jar.cookieHeader('https://api.example.com/v1/users')).to.equal('token=t; pref=dark');
      expect(jar.cookieHeader('https://x.api.example.com/v1/users')).to.equal('pref=dark');
      expect(() => jar.addCookie({ name: '', domain: 'x.example' })).to.throw(TypeError);
    });

    it('sends nothing when no cookie applies', () => {
      const { jar } = jarAt();
      expect(jar.cookieHeader('http://h.example/')).to.equal(null);
    });
  });
});
