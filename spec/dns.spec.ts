import { expect } from 'chai';
import dns from 'node:dns';
import { isIP } from 'node:net';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  DnsLookupOptions,
  dnsLookup,
  ReverseDnsLookupOptions,
  reverseDnsLookup,
  setDnsServers,
} from '../src/dns';
import { DnsError, EventLoopNotRunning } from '../src/errors';
import { delay } from '../src/event';
import { addEventLoopExitCallback, currentLoop, EventLoop, exitEventLoop, stats } from '../src/event-loop';
import { DnsServer, startDnsServer } from './support/dns-server';
import { calledOnce, loopError, never, runLoop, secondsSince } from './support/loop';

const rethrow = (ev: unknown): never => {
  throw ev;
};

/** cl-async's test for `dns-fail`: count the calls, then signal the event. */
function countingRethrow(): ((ev: unknown) => never) & { calls: number } {
  const cb = Object.assign(
    (ev: unknown): never => {
      cb.calls++;
      throw ev;
    },
    { calls: 0 },
  );
  return cb;
}

/** One lookup in its own loop; resolves with what `resolveCb` got (exactly once). */
async function lookup(host: string, options: DnsLookupOptions = {}): Promise<[string, number]> {
  let answer: [string, number] | undefined;
  const resolveCb = calledOnce((address: string, family: number) => (answer = [address, family]));
  await runLoop(() => dnsLookup(host, resolveCb, { eventCb: rethrow, ...options }));
  resolveCb.check();
  return answer!;
}

/** One reverse lookup in its own loop; resolves with `[host, service]`. */
async function reverse(ip: string, options: ReverseDnsLookupOptions = {}): Promise<[string, string]> {
  let answer: [string, string] | undefined;
  const resolveCb = calledOnce((host: string, service: string) => (answer = [host, service]));
  await runLoop(() => reverseDnsLookup(ip, resolveCb, { eventCb: rethrow, ...options }));
  resolveCb.check();
  return answer!;
}

/** A lookup that must fail: its eventCb runs once and the rethrown DnsError escapes the loop. */
async function lookupFailure(host: string, options: DnsLookupOptions = {}): Promise<DnsError> {
  const eventCb = countingRethrow();
  const err = await loopError(() => dnsLookup(host, never('resolveCb'), { ...options, eventCb }));
  expect(eventCb.calls, 'eventCb calls').to.equal(1);
  expect(err).to.be.instanceOf(DnsError);
  return err as DnsError;
}

/** Does this host resolve `localhost` over IPv6 at all? (Many containers do not.) */
function hostHasIpv6Localhost(): Promise<boolean> {
  return new Promise((resolve) => dns.lookup('localhost', { family: 6 }, (err) => resolve(!err)));
}

describe('dns', () => {
  let server: DnsServer;
  let servers: string[];

  before(async () => {
    server = await startDnsServer({
      hosts: {
        'www.test': ['10.53.0.1', 'fd53::1'],
        'v4only.test': ['10.53.0.2'],
        'v6only.test': ['fd53::2'],
        // Not the hosts file's answer: shows which resolver a lookup went through.
        localhost: ['10.53.0.9'],
      },
    });
    servers = [server.address];
  });

  after(() => server.close());

  describe('cl-async dns suite', () => {
    it('dns-simple: localhost with AF_INET resolves to 127.0.0.1', async () => {
      expect(await lookup('localhost', { family: AF_INET })).to.deep.equal(['127.0.0.1', AF_INET]);
    });

    it('dns-multi: parallel lookups are all in flight at once and each answers', async () => {
      const answers: string[] = [];
      let inFlight = -1;
      await runLoop(() => {
        dnsLookup('www.test', (address) => answers.push(address), { eventCb: rethrow, servers });
        dnsLookup('localhost', (address) => answers.push(address), { eventCb: rethrow });
        inFlight = stats().openDnsQueries;
      });
      expect(inFlight).to.equal(2);
      expect(answers).to.have.members(['10.53.0.1', '127.0.0.1']);
    });

    it('dns-lookup-ipv4: an A record from our server', async () => {
      const [address, family] = await lookup('www.test', { family: AF_INET, servers });
      expect(isIP(address)).to.equal(4);
      expect([address, family]).to.deep.equal(['10.53.0.1', AF_INET]);
    });

    it('dns-lookup-ipv6: an AAAA record from our server', async () => {
      const [address, family] = await lookup('www.test', { family: AF_INET6, servers });
      expect(isIP(address)).to.equal(6);
      expect([address, family]).to.deep.equal(['fd53::1', AF_INET6]);
    });

    it('dns-lookup-ipv6: localhost over AF_INET6, where the host resolves it', async function () {
      if (!(await hostHasIpv6Localhost())) this.skip();
      expect(await lookup('localhost', { family: AF_INET6 })).to.deep.equal(['::1', AF_INET6]);
    });

    it('dns-fail: NXDOMAIN calls the eventCb once and its rethrow escapes as DnsError ENOTFOUND', async () => {
      const err = await lookupFailure('no-such-name.test', { servers });
      expect(err.code).to.equal('ENOTFOUND');
      expect(err.errmsg).to.contain('no-such-name.test');
    });

    it("dns-fail: cl-async's own unresolvable name fails the same way", async () => {
      const err = await lookupFailure('all your children are poor unfortunate victims of lies you believe.', {
        servers,
      });
      expect(err.code).to.be.a('string').and.not.equal('CLASYNC_DNS_ERROR');
    });

    it('reverse-dns-lookup-ipv4: 127.0.0.1 has a host name (system resolver)', async () => {
      const [host, service] = await reverse('127.0.0.1');
      expect(host).to.be.a('string').and.not.equal('');
      expect(isIP(host)).to.equal(0);
      expect(service).to.equal('0');
    });

    it('reverse-dns-lookup-ipv4: a PTR answer from our server', async () => {
      expect(await reverse('10.53.0.1', { servers })).to.deep.equal(['www.test', '0']);
    });

    it('reverse-dns-lookup-ipv6: a PTR answer from our server', async () => {
      expect(await reverse('fd53::1', { servers })).to.deep.equal(['www.test', '0']);
    });

    it('dns-lookup-mem-leak: registries and openDnsQueries go back to where they started', async () => {
      await expectNoLeak((resolved) => dnsLookup('localhost', resolved, { eventCb: rethrow }));
    });

    it('reverse-dns-lookup-mem-leak: the same for reverse lookups', async () => {
      await expectNoLeak((resolved) => reverseDnsLookup('10.53.0.1', resolved, { eventCb: rethrow, servers }));
    });

    /** cl-async's check: counts taken in a delay before the query and in a delay after it answered. */
    async function expectNoLeak(start: (resolved: () => void) => void): Promise<void> {
      const seen: Array<ReturnType<typeof stats>> = [];
      await runLoop(() =>
        delay(() => {
          seen.push(stats());
          start(() => delay(() => seen.push(stats())));
          seen.push(stats());
        }),
      );
      const [before, during, after] = seen;
      expect(during).to.include({ openDnsQueries: 1, fnRegistryCount: before!.fnRegistryCount + 1 });
      expect(after).to.deep.equal(before);
      expect(after!.openDnsQueries).to.equal(0);
    }
  });

  describe('calling forms and answers', () => {
    it('takes the 2012 positional eventCb with family in the options', async () => {
      const eventCb = calledOnce((ev: unknown) => expect(ev).to.be.instanceOf(DnsError));
      await runLoop(() => dnsLookup('v4only.test', never('resolveCb'), eventCb, { family: AF_INET6, servers }));
      eventCb.check();
    });

    it('a name with no record of the asked family is DnsError ENODATA', async () => {
      const err = await lookupFailure('v4only.test', { family: AF_INET6, servers });
      expect(err.code).to.equal('ENODATA');
    });

    it('AF_UNSPEC prefers the A record and falls back to AAAA', async () => {
      expect(await lookup('www.test', { family: AF_UNSPEC, servers })).to.deep.equal(['10.53.0.1', AF_INET]);
      expect(await lookup('v6only.test', { family: AF_UNSPEC, servers })).to.deep.equal(['fd53::2', AF_INET6]);
    });

    it('a literal IP answers on a later turn without a query', async () => {
      const queries = server.queries;
      let answered = false;
      let inFlight = -1;
      await runLoop(() => {
        dnsLookup('::1', (address, family) => (answered = address === '::1' && family === AF_INET6), { servers });
        inFlight = stats().openDnsQueries;
        expect(answered, 'answered synchronously').to.equal(false);
      });
      expect(answered).to.equal(true);
      expect(inFlight).to.equal(1);
      expect(server.queries).to.equal(queries);
    });

    it('with no eventCb a failure is dropped and the loop finishes', async () => {
      await runLoop(() => dnsLookup('no-such-name.test', never('resolveCb'), { servers }));
    });

    it('an error thrown by resolveCb goes to the eventCb when the loop catches app errors', async () => {
      const boom = new Error('boom');
      const eventCb = calledOnce((ev: unknown) => expect(ev).to.equal(boom));
      await runLoop(
        () =>
          dnsLookup(
            'www.test',
            () => {
              throw boom;
            },
            { eventCb, servers },
          ),
        { catchAppErrors: true },
      );
      eventCb.check();
    });
  });

  describe('servers', () => {
    it('setDnsServers applies to the current loop only', async () => {
      const answers: Record<string, string> = {};
      await Promise.all([
        runLoop(() => {
          setDnsServers(servers);
          dnsLookup('localhost', (address) => (answers.mine = address), { eventCb: rethrow });
        }),
        runLoop(() => dnsLookup('localhost', (address) => (answers.system = address), { eventCb: rethrow })),
      ]);
      expect(answers).to.deep.equal({ mine: '10.53.0.9', system: '127.0.0.1' });
    });

    it("a call's own servers option wins; null asks the system resolver; setDnsServers(null) resets", async () => {
      const answers: string[] = [];
      const record = (address: string): void => void answers.push(address);
      await runLoop(() => {
        setDnsServers(servers);
        dnsLookup('localhost', record, { eventCb: rethrow, servers: null });
        delay(() => {
          setDnsServers(null);
          dnsLookup('localhost', record, { eventCb: rethrow });
          dnsLookup('localhost', record, { eventCb: rethrow, servers });
        });
      });
      expect(answers).to.have.members(['127.0.0.1', '127.0.0.1', '10.53.0.9']);
    });

    it('a bad server address throws DnsError EINVAL at the call and leaks no handle', async () => {
      const thrown: unknown[] = [];
      let before: ReturnType<typeof stats> | undefined;
      let after: ReturnType<typeof stats> | undefined;
      await runLoop(() => {
        before = stats();
        for (const call of [
          () => setDnsServers(['not an address']),
          () => dnsLookup('www.test', never('resolveCb'), { servers: ['not an address'] }),
        ]) {
          try {
            call();
          } catch (err) {
            thrown.push(err);
          }
        }
        after = stats();
      });
      expect(thrown).to.have.length(2);
      for (const err of thrown) expect(err).to.be.instanceOf(DnsError).with.property('code', 'EINVAL');
      expect(after).to.deep.equal(before);
    });
  });

  describe('queries are loop handles', () => {
    let slow: DnsServer;
    before(async () => {
      slow = await startDnsServer({ hosts: { 'slow.test': ['10.53.1.1'] }, delayMs: 150 });
    });
    after(() => slow.close());

    it('the loop waits for a query in flight', async () => {
      const start = process.hrtime.bigint();
      const [address] = await lookup('slow.test', { servers: [slow.address] });
      expect(address).to.equal('10.53.1.1');
      expect(secondsSince(start)).to.be.at.least(0.1);
    });

    it('exitEventLoop drops a query in flight: no answer, the count back to 0', async () => {
      let loop: EventLoop | undefined;
      let atExit = -1;
      const heard: unknown[] = [];
      await runLoop(() => {
        loop = currentLoop();
        const record = (what: unknown): void => void heard.push(what);
        dnsLookup('slow.test', record, { eventCb: record, servers: [slow.address] });
        addEventLoopExitCallback(() => (atExit = stats().openDnsQueries));
        delay(() => exitEventLoop(), { time: 0.02 });
      });
      expect(atExit).to.equal(1);
      expect(loop!.stats().openDnsQueries).to.equal(0);
      // The answer arrives after the loop finished and must reach nobody.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).to.deep.equal([]);
    });
  });

  describe('bad input', () => {
    it('reverseDnsLookup of a non-IP throws DnsError EINVAL at the call and leaks no handle', async () => {
      let thrown: unknown;
      let before: ReturnType<typeof stats> | undefined;
      let after: ReturnType<typeof stats> | undefined;
      await runLoop(() => {
        before = stats();
        try {
          reverseDnsLookup('not-an-ip', never('resolveCb'), { eventCb: never('eventCb') });
        } catch (err) {
          thrown = err;
        }
        after = stats();
      });
      expect(thrown).to.be.instanceOf(DnsError).with.property('code', 'EINVAL');
      expect((thrown as DnsError).message).to.contain('not-an-ip');
      expect(after).to.deep.equal(before);
    });

    it('an unknown family throws DnsError EINVAL at the call', async () => {
      const err = await loopError(() => dnsLookup('localhost', never('resolveCb'), { family: 5 }));
      expect(err).to.be.instanceOf(DnsError).with.property('code', 'EINVAL');
    });

    it('outside a loop: EventLoopNotRunning', () => {
      expect(() => dnsLookup('localhost', never())).to.throw(EventLoopNotRunning);
      expect(() => reverseDnsLookup('127.0.0.1', never())).to.throw(EventLoopNotRunning);
    });
  });

  it('leaves no Node resource behind', async () => {
    await new Promise((resolve) => setImmediate(resolve)); // mocha arms its own timer after the first await
    const before = process.getActiveResourcesInfo().sort();
    await runLoop(() => {
      dnsLookup('localhost', () => {});
      dnsLookup('www.test', () => {}, { servers, family: AF_UNSPEC });
      dnsLookup('no-such-name.test', never('resolveCb'), { servers });
      reverseDnsLookup('127.0.0.1', () => {});
      reverseDnsLookup('fd53::1', () => {}, { servers });
    });
    expect(process.getActiveResourcesInfo().sort()).to.deep.equal(before);
  });
});
