import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { dnsLookupExample } from '../../examples/dns-lookup';
import { DnsServer, startDnsServer } from '../support/dns-server';

const root = path.resolve(__dirname, '../..');

async function linesOf(host: string | undefined, servers?: string[]): Promise<string[]> {
  const lines: string[] = [];
  await dnsLookupExample(host, { servers, log: (line) => lines.push(line) });
  return lines.sort();
}

describe('examples/dns-lookup', () => {
  let server: DnsServer;
  before(async () => {
    server = await startDnsServer({ hosts: { 'www.test': ['10.53.0.1', 'fd53::1'] } });
  });
  after(() => server.close());

  it('prints one answer per family for a name our server knows', async () => {
    expect(await linesOf('www.test', [server.address])).to.deep.equal([
      'www.test resolved to 10.53.0.1 (AF_INET)',
      'www.test resolved to 10.53.0.1 (AF_INET)',
      'www.test resolved to fd53::1 (AF_INET6)',
    ]);
  });

  it('prints the event of each failed lookup', async () => {
    expect(await linesOf('nowhere.test', [server.address])).to.deep.equal([
      'nowhere.test (AF_INET): ev: DNS lookup fail: nowhere.test: ENOTFOUND',
      'nowhere.test (AF_INET6): ev: DNS lookup fail: nowhere.test: ENOTFOUND',
      'nowhere.test (AF_UNSPEC): ev: DNS lookup fail: nowhere.test: ENOTFOUND',
    ]);
  });

  it('runs as written with ts-node, looking up localhost by default', async () => {
    const bin = require.resolve('ts-node/dist/bin.js');
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [bin, 'examples/dns-lookup.ts'], { cwd: root }, (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    );
    const lines = stdout.trim().split('\n');
    expect(lines).to.have.length(3);
    expect(lines).to.include('localhost resolved to 127.0.0.1 (AF_INET)');
  });
});
