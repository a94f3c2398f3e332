/**
 * Spawning a program, in the style of cl-async's examples: pipe lines of text through `cat`,
 * then print what came back and how the process exited.
 *
 *   npx ts-node examples/spawn.ts [line…]      (default: three lines)
 */
import { startEventLoop } from '../src/event-loop';
import { Future } from '../src/future/future';
import { spawn } from '../src/process';
import { closeSocket, writeSocketData } from '../src/socket';

export interface SpawnExampleOptions {
  /** Where the lines go (default `console.log`). */
  log?: (line: string) => void;
}

/** Send `lines` through `cat`; the Future finishes once cat has exited and the loop is done. */
export function spawnExample(lines: string[] = ['hello', 'from', 'cat'], options: SpawnExampleOptions = {}): Future<void> {
  const { log = console.log } = options;
  return startEventLoop(() => {
    let output = '';
    const [, input] = spawn('cat', [], {
      input: ['pipe', { data: lines.map((line) => `${line}\n`).join('') }],
      output: ['pipe', { readCb: (_pipe, data) => (output += data.toString()) }],
      exitCb: (proc, exitStatus, termSignal) => {
        for (const line of output.split('\n').slice(0, -1)) log(`cat: ${line}`);
        log(`cat (pid ${proc.pid}) exited: status ${exitStatus}, signal ${termSignal}`);
      },
    });
    // cat exits once its input reaches EOF: close our end after what was queued is sent.
    writeSocketData(input, '(the end)\n');
    closeSocket(input);
  });
}

if (require.main === module) {
  spawnExample(process.argv.length > 2 ? process.argv.slice(2) : undefined).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
