/**
 * cl-async's `examples/dns-lookup.lisp`: lookups running side by side, one per address
 * family, each printing its answer or the event it got.
 *
 *   npx ts-node examples/dns-lookup.ts [host]      (default: localhost)
 */
import { AF_INET, AF_INET6, AF_UNSPEC, dnsLookup, DnsServerOptions } from '../src/dns';
import { startEventLoop } from '../src/event-loop';
import { Future } from '../src/future/future';

const familyNames: Record<number, string> = { [AF_UNSPEC]: 'AF_UNSPEC', [AF_INET]: 'AF_INET', [AF_INET6]: 'AF_INET6' };

export interface DnsLookupExampleOptions extends DnsServerOptions {
  /** Where the lines go (default `console.log`). */
  log?: (line: string) => void;
}

/** Look `host` up under each family at once; the Future finishes when all have answered. */
export function dnsLookupExample(host = 'localhost', options: DnsLookupExampleOptions = {}): Future<void> {
  const { log = console.log, servers } = options;
  return startEventLoop(() => {
    for (const family of [AF_UNSPEC, AF_INET, AF_INET6]) {
      dnsLookup(host, (address, answered) => log(`${host} resolved to ${address} (${familyNames[answered]})`), {
        family,
        servers,
        eventCb: (ev) => log(`${host} (${familyNames[family]}): ev: ${ev.message}`),
      });
    }
  });
}

if (require.main === module) {
  dnsLookupExample(process.argv[2]).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
