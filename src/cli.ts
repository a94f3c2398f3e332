#!/usr/bin/env node
/**
 * The `cl-async` command: `get`, `echo-server`, `proxy`, `lookup`. Arguments are parsed with
 * Node's own `util.parseArgs`; every failure is one line on stderr and a documented exit code.
 */
import { parseArgs, ParseArgsConfig } from 'node:util';
import { get } from './cli/get';
import { CliError, CliIo, EXIT } from './cli/io';
import { lookup } from './cli/lookup';
import { echoServer, proxy } from './cli/servers';

interface Command {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number>;
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

const COMMANDS: Record<string, Command> = {
  get: {
    usage: `cl-async get URL [options]
  Download URL to stdout (or -o FILE), with a progress bar on stderr when it is a terminal.
  -o, --output FILE      write the body to FILE
  -X, --request METHOD   request method (default GET, or POST with -d)
  -H, --header 'N: v'    add a request header (repeatable)
  -d, --data DATA        send DATA as the body (@FILE sends a file)
  -L, --follow           follow redirects
  -k, --insecure         do not verify the server's TLS certificate
  -t, --timeout SECONDS  connect and read timeout (default 20)
      --dns-server ADDR  resolve names with this DNS server (host or host:port)
Exit codes: 0 ok, 2 usage, 6 DNS, 7 refused, 8 bad response, 18 cut short,
  22 HTTP status >= 400, 23 cannot write output, 28 timeout, 35 TLS.`,
    options: {
      ...HELP,
      output: { type: 'string', short: 'o' },
      request: { type: 'string', short: 'X' },
      header: { type: 'string', short: 'H', multiple: true },
      data: { type: 'string', short: 'd' },
      follow: { type: 'boolean', short: 'L' },
      insecure: { type: 'boolean', short: 'k' },
      timeout: { type: 'string', short: 't' },
      'dns-server': { type: 'string' },
    },
    run: (v, [url], io) =>
      get(
        {
          url: required(url, 'URL'),
          output: v.output as string | undefined,
          method: v.request as string | undefined,
          headers: (v.header as string[] | undefined) ?? [],
          data: v.data as string | undefined,
          follow: v.follow === true,
          insecure: v.insecure === true,
          timeout: seconds(v.timeout),
          dnsServer: v['dns-server'] as string | undefined,
        },
        io,
      ),
  },
  'echo-server': {
    usage: `cl-async echo-server [--port N] [--bind ADDR]
  Echo every byte back to its sender until Ctrl-C (default 127.0.0.1, port 5000; 0 picks one).`,
    options: { ...HELP, port: { type: 'string', short: 'p' }, bind: { type: 'string', short: 'b' } },
    run: (v, _p, io) => echoServer({ port: port(v.port, 5000), bind: (v.bind as string | undefined) ?? '127.0.0.1' }, io),
  },
  proxy: {
    usage: `cl-async proxy LOCAL_PORT HOST PORT [--bind ADDR]
  Forward every connection to LOCAL_PORT to HOST:PORT, both ways, until Ctrl-C.`,
    options: { ...HELP, bind: { type: 'string', short: 'b' } },
    run: (v, [local, host, remote], io) =>
      proxy(
        {
          localPort: port(required(local, 'LOCAL_PORT'), 0),
          host: required(host, 'HOST'),
          port: port(required(remote, 'PORT'), 0),
          bind: (v.bind as string | undefined) ?? '127.0.0.1',
        },
        io,
      ),
  },
  lookup: {
    usage: `cl-async lookup HOST [--family 4|6|any] [--dns-server ADDR]
  Resolve HOST to its first address (IPv4 by default, as cl-async's dns-lookup).
Exit codes: 0 ok, 2 usage, 6 not resolved.`,
    options: { ...HELP, family: { type: 'string', short: 'f' }, 'dns-server': { type: 'string' } },
    run: (v, [host], io) =>
      lookup(
        {
          host: required(host, 'HOST'),
          family: (v.family as string | undefined) ?? '4',
          dnsServer: v['dns-server'] as string | undefined,
        },
        io,
      ),
  },
};

const USAGE = `usage: cl-async <command> [options]
commands:
  get URL                   download with a progress bar
  echo-server [--port N]    echo server
  proxy LOCAL_PORT HOST PORT
  lookup HOST               DNS lookup
Run 'cl-async <command> --help' for a command's options.`;

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new CliError(`missing ${name}`, EXIT.usage);
  return value;
}

function seconds(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new CliError(`bad timeout ${JSON.stringify(value)}: expected seconds`, EXIT.usage);
  return n;
}

function port(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`bad port ${JSON.stringify(value)}`, EXIT.usage);
  return n;
}

/** Run the command line `argv` (without node and the script); resolves with the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  try {
    if (command === undefined) throw new CliError(`unknown command ${JSON.stringify(name)}\n${USAGE}`, EXIT.usage);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new CliError(`${(err as Error).message}\n${command.usage}`, EXIT.usage);
    }
    if (parsed.values.help === true) {
      io.stdout.write(`${command.usage}\n`);
      return EXIT.ok;
    }
    return await command.run(parsed.values, parsed.positionals, io);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    io.stderr.write(`cl-async: ${err.message}\n`);
    return err.exitCode;
  }
}

if (require.main === module) {
  run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stderrIsTTY: process.stderr.isTTY === true }).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`cl-async: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
