// `volley serve`: flags and environment, start-up message, and the shutdown on a signal.

import { parseCommandArgs, parseInteger, UsageError } from './args.js';
import { ExitCode } from './exit-codes.js';
import { OptionError } from '../server/option-errors.js';
import { startServer, type RunningServer } from './serve.js';
import { SERVE_DEFAULTS, checkFlags, readConfigFile, readEnvironment, resolveServeConfig, type ServeConfig } from './serve-config.js';
import { packageVersion } from './version.js';
import { serveMqttOptions } from './serve-mqtt.js';

export const SERVE_HELP = `Usage: volley serve [options]

Serves on one port:
  ws://HOST:PORT/connection/websocket   the real-time hub (subprotocol volley.v1)
  http://HOST:PORT/connection/{sse,stream,poll,send}  the hub over HTTP (no WebSocket)
  http://HOST:PORT/connection/events    one-way SSE of channels (EventSource, curl -N)
  ws://HOST:PORT/echo                   WebSocket echo: every message comes back unchanged
  http://HOST:PORT/                     the demo pages: chat, live data, status
  http://HOST:PORT/volley-client.js     the browser client
  http://HOST:PORT/api/...              the HTTP publish API (with --api-key)

Options (flags win over environment variables, which win over the config file):
  -p, --port P        port; 0 picks a free one        ($VOLLEY_PORT, default 8080)
  --host H            address; 0.0.0.0 accepts others ($VOLLEY_HOST, default 127.0.0.1)
  --broker URL        memory, redis://... or nats://... ($VOLLEY_BROKER, default memory)
  --api-key KEY       enable the publish API          ($VOLLEY_API_KEY, default off)
  --secret S          HS256 secret for tokens, 32+ chars ($VOLLEY_SECRET, default none)
  --no-demo           no demo pages and no market feed
  --no-anonymous      refuse connections without a token
  --deflate           offer permessage-deflate to WebSocket clients (hub and /echo)
  --mqtt URL          bridge to an MQTT broker ($VOLLEY_MQTT; with the demo, its Devices
                      page); sets mqtt.url of a config file's mqtt object (docs/mqtt.md)
  -c, --config FILE   JSON config file ($VOLLEY_CONFIG): the keys above and the hub's
                      limits, namespaces, presenceTtlMs, connection limits and timeouts
                      (docs/cli.md; schema/volley.config.schema.json for editors)
  -h, --help          show this help

Ctrl-C or SIGTERM shuts down gracefully: clients are closed with 1001 (going away).
A second Ctrl-C cuts the remaining connections at once.
`;

const SPECS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  broker: { type: 'string' },
  'api-key': { type: 'string' },
  secret: { type: 'string' },
  'no-demo': { type: 'boolean' },
  'no-anonymous': { type: 'boolean' },
  deflate: { type: 'boolean' },
  mqtt: { type: 'string' },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function serveCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommandArgs('serve', argv, SPECS);
  if (flags.help) {
    process.stdout.write(SERVE_HELP);
    return ExitCode.Ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'serve');
  const config = loadServeConfig(flags);

  let running: RunningServer;
  try {
    running = await startServer({ config, version: packageVersion() });
  } catch (err) {
    // The config was checked as a whole already; this is createServer's own check, as a usage error too.
    if (err instanceof OptionError) throw new UsageError(err.message, 'serve');
    process.stderr.write(`volley serve: ${listenFailure(err, config.host, config.port)}\n`);
    return ExitCode.Failure;
  }
  printStartup(running, config.host);
  await untilSignal(running);
  return ExitCode.Ok;
}

/** Defaults < config file < environment < flags; every value checked (UsageError names the bad one). */
export function loadServeConfig(flags: Record<string, string | boolean | string[] | undefined>, env = process.env): ServeConfig {
  const file = (flags.config as string | undefined) ?? (env.VOLLEY_CONFIG || undefined);
  const port = flags.port as string | undefined;
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const fromEnv = readEnvironment(env);
  const config = resolveServeConfig([
    fromFile,
    fromEnv,
    checkFlags({
      port: port === undefined ? undefined : parseInteger(port, '--port', 0, 65535, 'serve'),
      host: flags.host,
      broker: flags.broker,
      apiKey: flags['api-key'],
      secret: flags.secret,
      demo: flags['no-demo'] ? false : undefined,
      allowAnonymous: flags['no-anonymous'] ? false : undefined,
      perMessageDeflate: flags.deflate ? true : undefined,
      mqtt: flags.mqtt,
    }),
  ]);
  // A URL from the environment or a flag replaces only the url of the file's bridge options.
  const url = (flags.mqtt as string | undefined) ?? (typeof fromEnv.mqtt === 'string' ? fromEnv.mqtt : undefined);
  if (url !== undefined && typeof fromFile.mqtt === 'object') config.mqtt = { ...fromFile.mqtt, url };
  serveMqttOptions(config);
  return config;
}

function listenFailure(err: unknown, host: string, port: number): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `port ${port} is already in use on ${host}; choose another with --port`;
  if (code === 'EACCES') return `no permission to listen on port ${port}; choose a port above 1023`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `cannot listen on host "${host}": no such local address`;
  // brokerFromUrl's errors already name the engine and its URL.
  if ((err as Error)?.name === 'BrokerUnavailableError' || /cannot reach|broker/i.test((err as Error)?.message ?? '')) return (err as Error).message;
  return `cannot listen on ${host}:${port}: ${err instanceof Error ? err.message : String(err)}`;
}

function printStartup(running: RunningServer, host: string): void {
  const width = Math.max(...running.endpoints.map((e) => e.url.length));
  const lines = [`Volley ${packageVersion()} serving on ${running.address.address}:${running.address.port}`];
  for (const e of running.endpoints) lines.push(`  ${e.url.padEnd(width)}  ${e.description}`);
  if (host === SERVE_DEFAULTS.host) lines.push('Only this machine can connect (use --host 0.0.0.0 to accept others).');
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
