/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP) so DNS tests need no internet. It is
 * configured like a hosts file: each name maps to its addresses; A and AAAA queries answer
 * from them, PTR queries answer with the first name that lists the address. A name it does
 * not know is NXDOMAIN; a known name without the asked type is an empty NOERROR (NODATA).
 */
import dgram from 'node:dgram';
import { AddressInfo, isIPv4, isIPv6 } from 'node:net';

const TYPE_A = 1;
const TYPE_PTR = 12;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;

export interface DnsServerOptions {
  /** Name → addresses (IPv4 and IPv6 mixed). Names match case-insensitively. */
  hosts: Record<string, string[]>;
  /** Hold every answer this long, to observe queries in flight. */
  delayMs?: number;
}

export interface DnsServer {
  /** `127.0.0.1:PORT`, as `dnsLookup`'s `servers` option takes it. */
  readonly address: string;
  /** Questions received so far. */
  readonly queries: number;
  close(): Promise<void>;
}

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const hosts = new Map<string, string[]>();
  const reverse = new Map<string, string>();
  for (const [name, addresses] of Object.entries(options.hosts)) {
    hosts.set(name.toLowerCase(), addresses);
    for (const address of addresses) {
      const key = reverseName(address);
      if (!reverse.has(key)) reverse.set(key, name);
    }
  }

  const socket = dgram.createSocket('udp4');
  let queries = 0;
  socket.on('message', (message, peer) => {
    queries++;
    const reply = answer(message, hosts, reverse);
    if (reply === undefined) return;
    const send = (): void => socket.send(reply, peer.port, peer.address);
    if (options.delayMs) setTimeout(send, options.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    get queries() {
      return queries;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The reply to one query, or undefined for a packet too broken to answer. */
function answer(query: Buffer, hosts: Map<string, string[]>, reverse: Map<string, string>): Buffer | undefined {
  if (query.length < 12) return undefined;
  const question = readName(query, 12);
  if (question === undefined || question.end + 4 > query.length) return undefined;
  const type = query.readUInt16BE(question.end);
  const name = question.name.toLowerCase();

  let rcode = 0;
  let records: Buffer[] = [];
  if (type === TYPE_A || type === TYPE_AAAA) {
    const addresses = hosts.get(name);
    if (addresses === undefined) rcode = RCODE_NXDOMAIN;
    else records = addresses.filter(type === TYPE_A ? isIPv4 : isIPv6).map((a) => addressBytes(a));
  } else if (type === TYPE_PTR) {
    const host = reverse.get(name);
    if (host === undefined) rcode = RCODE_NXDOMAIN;
    else records = [encodeName(host)];
  } else {
    rcode = RCODE_NOTIMP;
  }

  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const rd = query[2]! & 0x01;
  header[2] = 0x80 | 0x04 | rd; // QR, AA, RD echoed
  header[3] = 0x80 | rcode; // RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((rdata) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(type, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, question.end + 4), ...answers]);
}

function readName(buf: Buffer, offset: number): { name: string; end: number } | undefined {
  const labels: string[] = [];
  let at = offset;
  while (at < buf.length) {
    const length = buf[at]!;
    if (length === 0) return { name: labels.join('.'), end: at + 1 };
    // Questions never use compression; anything else here is a malformed query.
    if (length > 63 || at + 1 + length > buf.length) return undefined;
    labels.push(buf.toString('latin1', at + 1, at + 1 + length));
    at += 1 + length;
  }
  return undefined;
}

function encodeName(name: string): Buffer {
  const parts = name.split('.').filter((label) => label.length > 0);
  const labels = parts.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')]));
  return Buffer.concat([...labels, Buffer.from([0])]);
}

function addressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  return Buffer.from(expandIPv6(address).join(''), 'hex');
}

/** The eight groups of an IPv6 address, each four hex digits. */
function expandIPv6(address: string): string[] {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => group.padStart(4, '0'));
}

/** The PTR query name for an address (`in-addr.arpa` or nibble `ip6.arpa`). */
function reverseName(address: string): string {
  if (isIPv4(address)) return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
  return `${expandIPv6(address).join('').split('').reverse().join('.')}.ip6.arpa`;
}
