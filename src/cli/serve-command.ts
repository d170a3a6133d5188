// `volley serve`: flags and environment, start-up message, and the shutdown on a signal.

import { parseCommandArgs, parseInteger, UsageError } from './args.js';
import { ExitCode } from './exit-codes.js';
import { startServer, type RunningServer } from './serve.js';
import { packageVersion } from './version.js';

export const SERVE_HELP = `Usage: volley serve [--port P] [--host H]

Serves on one port:
  ws://HOST:PORT/echo   WebSocket echo: every message comes back unchanged
  http://HOST:PORT/     a status page listing what is served

Options:
  -p, --port P   port to listen on; 0 picks a free one
                 (default: $VOLLEY_PORT, else 8080)
  --host H       address to listen on; 0.0.0.0 accepts other machines
                 (default: $VOLLEY_HOST, else 127.0.0.1: this machine only)
  -h, --help     show this help

Ctrl-C or SIGTERM shuts down gracefully: clients are closed with 1001 (going away).
A second Ctrl-C cuts the remaining connections at once.
`;

const SPECS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '127.0.0.1';

export async function serveCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommandArgs('serve', argv, SPECS);
  if (flags.help) {
    process.stdout.write(SERVE_HELP);
    return ExitCode.Ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'serve');
  const port = resolvePort(flags.port as string | undefined);
  const host = (flags.host as string | undefined) ?? (process.env.VOLLEY_HOST || DEFAULT_HOST);

  let running: RunningServer;
  try {
    running = await startServer({ port, host, version: packageVersion() });
  } catch (err) {
    process.stderr.write(`volley serve: ${listenFailure(err, host, port)}\n`);
    return ExitCode.Failure;
  }
  printStartup(running, host);
  await untilSignal(running);
  return ExitCode.Ok;
}

function resolvePort(flag: string | undefined): number {
  if (flag !== undefined) return parseInteger(flag, '--port', 0, 65535, 'serve');
  const env = process.env.VOLLEY_PORT;
  if (env) return parseInteger(env, 'VOLLEY_PORT', 0, 65535, 'serve');
  return DEFAULT_PORT;
}

function listenFailure(err: unknown, host: string, port: number): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `port ${port} is already in use on ${host}; choose another with --port`;
  if (code === 'EACCES') return `no permission to listen on port ${port}; choose a port above 1023`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `cannot listen on host "${host}": no such local address`;
  return `cannot listen on ${host}:${port}: ${err instanceof Error ? err.message : String(err)}`;
}

function printStartup(running: RunningServer, host: string): void {
  const width = Math.max(...running.endpoints.map((e) => e.url.length));
  const lines = [`Volley ${packageVersion()} serving on ${running.address.address}:${running.address.port}`];
  for (const e of running.endpoints) lines.push(`  ${e.url.padEnd(width)}  ${e.description}`);
  if (host === DEFAULT_HOST) lines.push('Only this machine can connect (use --host 0.0.0.0 to accept others).');
  lines.push('Press Ctrl-C to stop.');
  process.stdout.write(lines.join('\n') + '\n');
}

/** Resolves once a SIGINT/SIGTERM has led to a complete shutdown. */
function untilSignal(running: RunningServer): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const onSignal = () => {
      received++;
      if (received > 1) {
        running.terminate();
        return;
      }
      process.stderr.write('Shutting down: closing connections with 1001 (Ctrl-C again to force)...\n');
      void running.close().then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.stderr.write('Stopped.\n');
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
