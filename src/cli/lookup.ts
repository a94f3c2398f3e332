/** `cl-async lookup HOST`: resolve a name (or a literal IP) as `dnsLookup` does. */
import { AF_INET, AF_INET6, AF_UNSPEC, dnsLookup, setDnsServers } from '../dns';
import { DnsError } from '../errors';
import { withEventLoop } from '../event-loop';
import { CliError, CliIo, EXIT } from './io';

const FAMILIES: Record<string, number> = { '4': AF_INET, '6': AF_INET6, any: AF_UNSPEC };

export async function lookup(options: { host: string; family: string; dnsServer?: string }, io: CliIo): Promise<number> {
  const family = FAMILIES[options.family];
  if (family === undefined) throw new CliError(`bad --family ${JSON.stringify(options.family)}: use 4, 6 or any`, EXIT.usage);
  let failure: DnsError | undefined;
  await withEventLoop(() => {
    if (options.dnsServer !== undefined) setDnsServers([options.dnsServer]);
    dnsLookup(options.host, (address, fam) => io.stdout.write(`${options.host} resolved to ${address} (IPv${fam})\n`), {
      family,
      eventCb: (ev: DnsError) => (failure = ev),
    });
  });
  if (failure !== undefined) throw new CliError(`could not resolve host: ${options.host} (${failure.code})`, EXIT.dns);
  return EXIT.ok;
}
