/**
 * Drakma's classic calls in TypeScript, each beside its Lisp original, against a built-in
 * `httpServer` on loopback (no network needed): a simple GET, a POST with parameters, cookies,
 * redirects, `wantStream`, and basic authentication.
 *
 * `httpRequest` returns a Future that finishes with Drakma's seven values
 * `(body status headers uri stream must-close reason-phrase)`; `attach` receives them all
 * (`await` gives the first, the body).
 *
 *   npx ts-node examples/drakma.ts
 */
import { Readable } from 'node:stream';
import { startEventLoop } from '../src/event-loop';
import { attach } from '../src/future/future';
import { CookieJar } from '../src/http/cookies';
import { headerValue } from '../src/http/headers';
import { httpRequest, HttpRequestOptions, HttpRequestValues } from '../src/http/request';
import { closeHttpServer, HttpRequest, httpResponse, httpServer } from '../src/http/server';

/** The seven values as an array (what `multiple-value-list` gives in Lisp). */
function drakma(uri: string, options: HttpRequestOptions = {}): Promise<HttpRequestValues> {
  return new Promise((resolve, reject) => {
    attach(httpRequest(uri, options), (...values: unknown[]) => resolve(values as HttpRequestValues), reject);
  });
}

/** The site the examples talk to. */
function site(req: HttpRequest): void {
  const text = { 'Content-Type': 'text/plain; charset=utf-8' };
  switch (req.resource) {
    case '/':
      return httpResponse(req, { headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: '<h1>Hello from cl-async</h1>' });
    case '/form': {
      const form = new URLSearchParams(req.body?.toString('latin1') ?? '');
      const fields = [...form].map(([k, v]) => `${k}=${v}`).join(', ');
      return httpResponse(req, { headers: text, body: `${req.method} ${req.header('content-type')}: ${fields}` });
    }
    case '/login':
      return httpResponse(req, { headers: [...Object.entries(text), ['Set-Cookie', 'session=s3cr3t; Path=/; HttpOnly']], body: 'logged in' });
    case '/whoami': {
      const session = /(?:^|;\s*)session=([^;]*)/.exec(req.header('cookie') ?? '')?.[1];
      return httpResponse(req, { headers: text, body: session === undefined ? 'anonymous' : `session ${session}` });
    }
    case '/old':
      return httpResponse(req, { status: 302, headers: { Location: '/new', ...text }, body: 'moved' });
    case '/new':
      return httpResponse(req, { headers: text, body: 'the new place' });
    case '/numbers':
      return httpResponse(req, { headers: text, body: Readable.from(['1 ', '2 ', '3 ', '4 ', '5']) });
    case '/secret': {
      const expected = `Basic ${Buffer.from('user:pass').toString('base64')}`;
      if (req.header('authorization') !== expected) {
        return httpResponse(req, { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="cl-async"', ...text }, body: 'who are you?' });
      }
      return httpResponse(req, { headers: text, body: 'the secret is 42' });
    }
    default:
      return httpResponse(req, { status: 404, headers: text, body: `no ${req.resource} here` });
  }
}

export async function drakmaExample(log: (line: string) => void = (line) => console.log(line)): Promise<void> {
  await startEventLoop(async () => {
    const server = httpServer('127.0.0.1', 0, site);
    const base = `http://127.0.0.1:${server.port}`;

    // (drakma:http-request "http://127.0.0.1:PORT/")
    {
      const [body, status, headers, , , mustClose, reason] = await drakma(`${base}/`);
      log(`GET /            → ${status} ${reason}, ${headerValue('content-type', headers)}, must-close ${mustClose}: ${String(body)}`);
    }

    // (drakma:http-request "http://127.0.0.1:PORT/form"
    //                      :method :post
    //                      :parameters '(("name" . "Lisp") ("lang" . "Common Lisp")))
    {
      const [body] = await drakma(`${base}/form`, {
        method: 'POST',
        parameters: [
          ['name', 'Lisp'],
          ['lang', 'Common Lisp'],
        ],
      });
      log(`POST /form       → ${String(body)}`);
    }

    // (let ((cookie-jar (make-instance 'drakma:cookie-jar)))
    //   (drakma:http-request "http://127.0.0.1:PORT/login" :cookie-jar cookie-jar)
    //   (drakma:http-request "http://127.0.0.1:PORT/whoami" :cookie-jar cookie-jar))
    {
      const cookieJar = new CookieJar();
      await drakma(`${base}/login`, { cookieJar });
      const [body] = await drakma(`${base}/whoami`, { cookieJar });
      log(`cookies          → jar holds ${cookieJar.cookies.map((c) => `${c.name}=${c.value}`).join('; ')}; /whoami says "${String(body)}"`);
    }

    // (drakma:http-request "http://127.0.0.1:PORT/old")            ; follows the 302
    // (drakma:http-request "http://127.0.0.1:PORT/old" :redirect nil)
    {
      const [body, status, , uri] = await drakma(`${base}/old`);
      log(`GET /old         → ${status} "${String(body)}" from ${new URL(uri).pathname}`);
      const [, kept, headers] = await drakma(`${base}/old`, { redirect: false });
      log(`GET /old :redirect nil → ${kept}, Location: ${headerValue('location', headers)}`);
    }

    // (let ((stream (drakma:http-request "http://127.0.0.1:PORT/numbers" :want-stream t)))
    //   (loop for line = (read-line stream nil) while line do (print line)))
    {
      const [stream, status] = await drakma(`${base}/numbers`, { wantStream: true });
      let text = '';
      for await (const chunk of stream as Readable) text += (chunk as Buffer).toString();
      log(`GET /numbers :want-stream t → ${status}, streamed "${text}"`);
    }

    // (drakma:http-request "http://127.0.0.1:PORT/secret")
    // (drakma:http-request "http://127.0.0.1:PORT/secret" :basic-authorization '("user" "pass"))
    {
      const [refused, denied] = await drakma(`${base}/secret`);
      const [body, status] = await drakma(`${base}/secret`, { basicAuthorization: ['user', 'pass'] });
      log(`GET /secret      → ${denied} "${String(refused)}"; with :basic-authorization → ${status} "${String(body)}"`);
    }

    closeHttpServer(server);
  });
}

if (require.main === module) {
  drakmaExample().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
