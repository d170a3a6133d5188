// The `volley` command line: dispatches to the subcommands and turns usage errors into
// a message and exit code 2. bin/volley.js calls main() and uses the code it returns.

import { UsageError } from './args.js';
import { connectCommand } from './connect-command.js';
import { ExitCode } from './exit-codes.js';
import { serveCommand } from './serve-command.js';
import { tokenCommand } from './token-command.js';
import { packageVersion } from './version.js';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  serve: serveCommand,
  connect: connectCommand,
  token: tokenCommand,
  bench: (argv) => import('./bench/command.js').then((m) => m.benchCommand(argv)),
};

export const MAIN_HELP = `Usage: volley <command> [options]

Commands:
  serve              serve the real-time hub, the demo pages, the publish API and /echo
  connect URL        talk to a WebSocket server: interactive, piped, or --echo
  token --sub USER   mint a development connection token for volley serve
  bench URL          load a WebSocket server (echo, broadcast, connect) and report rates and latency

Run "volley <command> --help" for the options of a command.

Options:
  -h, --help         show this help
  -v, --version      print the version
`;

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
      if (first === 'help' && rest[0] !== undefined && COMMANDS[rest[0]]) return await COMMANDS[rest[0]]!(['--help']);
      // Without any command the help is the answer to a mistake: stderr and exit code 2.
      (first === undefined ? process.stderr : process.stdout).write(MAIN_HELP);
      return first === undefined ? ExitCode.Usage : ExitCode.Ok;
    }
    if (first === '-v' || first === '--version') {
      process.stdout.write(`${packageVersion()}\n`);
      return ExitCode.Ok;
    }
    const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
    if (!command) {
      throw new UsageError(first.startsWith('-') ? `unknown option ${first}` : `unknown command "${first}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
    }
    return await command(rest);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const help = err.command ? `volley ${err.command} --help` : 'volley --help';
    process.stderr.write(`volley${err.command ? ` ${err.command}` : ''}: ${err.message}\nRun "${help}" for usage.\n`);
    return ExitCode.Usage;
  }
}
