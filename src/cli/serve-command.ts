// `volley serve`: flags and environment, start-up message, and the shutdown on a signal.

import { parseCommandArgs, parseInteger, UsageError } from './args.js';
import { ExitCode } from './exit-codes.js';
import { OptionError } from '../server/option-errors.js';
import { startServer, type RunningServer } from './serve.js';
import { SERVE_DEFAULTS, checkFlags, metricsLayer, readConfigFile, readEnvironment, resolveServeConfig, type ServeConfig } from './serve-config.js';
import { packageVersion } from './version.js';
import { serveMqttOptions } from './serve-mqtt.js';
import type { Logger } from '../server/logger.js';
import { redactUrl } from '../broker/cluster/errors.js';

export const SERVE_HELP = `Usage: volley serve [options]

Serves on one port:
  ws://HOST:PORT/connection/websocket   the real-time hub (subprotocol volley.v1)
  http://HOST:PORT/connection/{sse,stream,poll,send}  the hub over HTTP (no WebSocket)
  http://HOST:PORT/connection/events    one-way SSE of channels (EventSource, curl -N)
  ws://HOST:PORT/echo                   WebSocket echo: every message comes back unchanged
  http://HOST:PORT/                     the demo pages: chat, live data, status
  http://HOST:PORT/volley-client.js     the browser client
  http://HOST:PORT/api/...              the HTTP publish API (with --api-key)
  http://HOST:PORT/admin/               the admin console (with --admin-password)

Options (flags win over environment variables, which win over the config file):
  -p, --port P        port; 0 picks a free one        ($VOLLEY_PORT, default 8080)
  --host H            address; 0.0.0.0 accepts others ($VOLLEY_HOST, default 127.0.0.1)
  --broker URL        memory, redis://... or nats://... ($VOLLEY_BROKER, default memory)
  --api-key KEY       enable the publish API          ($VOLLEY_API_KEY, default off)
  --secret S          HS256 secret for tokens, 32+ chars ($VOLLEY_SECRET, default none)
  --no-demo           no demo pages and no market feed
  --no-anonymous      refuse connections without a token
  --deflate           offer permessage-deflate to WebSocket clients (hub and /echo)
  --admin-password P  enable the admin console at /admin, 12+ chars ($VOLLEY_ADMIN_PASSWORD,
                      default off); sets admin.password of a config file (docs/admin.md)
  --mqtt URL          bridge to an MQTT broker ($VOLLEY_MQTT; with the demo, its Devices
                      page); sets mqtt.url of a config file's mqtt object (docs/mqtt.md)
  --log-level L       fatal, error, warn, info, debug, trace or silent
                      ($VOLLEY_LOG_LEVEL, default info); JSON lines on stdout,
                      readable lines on a terminal (docs/operations.md)
  --metrics           Prometheus metrics at /metrics, on 127.0.0.1:9464 unless
                      --metrics-port or --metrics-token says otherwise (default off)
  --metrics-port P    port of the metrics listener of its own (on metrics.host,
                      default 127.0.0.1); 0 picks a free one
  --metrics-token T   bearer token /metrics requires ($VOLLEY_METRICS_TOKEN, 16+
                      chars); with no --metrics-port, /metrics is on the main port
  --drain-delay MS    on SIGTERM, /readyz answers 503 this long before clients are
                      closed with 1001 (default 5000; 0 closes at once)
  -c, --config FILE   JSON config file ($VOLLEY_CONFIG): the keys above and the hub's
                      limits, namespaces, presenceTtlMs, connection limits and timeouts
                      (docs/cli.md; schema/volley.config.schema.json for editors)
  -h, --help          show this help

Always served: /healthz (200 while the process runs) and /readyz (200 when the broker
answers and the server is not draining, else 503 with a JSON reason).

SIGTERM or Ctrl-C drains: /readyz answers 503 at once, and after the drain delay clients
are closed with 1001 (going away) and the server exits. A second signal skips the rest
of the delay; a third cuts the remaining connections at once.
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
  'admin-password': { type: 'string' },
  'log-level': { type: 'string' },
  metrics: { type: 'boolean' },
  'metrics-port': { type: 'string' },
  'metrics-token': { type: 'string' },
  'drain-delay': { type: 'string' },
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
  // pino is loaded by `volley serve` only, not by the CLI's other commands.
  const { createServeLogger } = await import('./serve-logger.js');
  const logger = createServeLogger(config.logLevel);
  logger.debug({ event: 'config', config: loggableConfig(config) }, 'configuration');

  let running: RunningServer;
  try {
    running = await startServer({ config, version: packageVersion(), logger });
  } catch (err) {
    // The config was checked as a whole already; this is createServer's own check, as a usage error too.
    if (err instanceof OptionError) throw new UsageError(err.message, 'serve');
    process.stderr.write(`volley serve: ${listenFailure(err, config.host, config.port)}\n`);
    return ExitCode.Failure;
  }
  printStartup(running, config.host);
  const { address, port } = running.address;
  const metrics = running.server.metricsAddress;
  logger.info(
    { event: 'listening', address, port, endpoints: running.endpoints.map((e) => e.url), ...(metrics === undefined ? {} : { metrics: `http://${metrics.address}:${metrics.port}/metrics` }) },
    'server listening',
  );
  await untilSignal(running, logger);
  logger.info({ event: 'stopped' }, 'server stopped');
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
      admin: flags['admin-password'] === undefined ? undefined : { password: flags['admin-password'] },
      logLevel: flags['log-level'],
      drainDelayMs: flags['drain-delay'] === undefined ? undefined : parseInteger(flags['drain-delay'] as string, '--drain-delay', 0, 600_000, 'serve'),
    }),
    metricsLayer(fromFile.metrics, {
      enabled: flags.metrics ? true : undefined,
      port: flags['metrics-port'] === undefined ? undefined : parseInteger(flags['metrics-port'] as string, '--metrics-port', 0, 65535, 'serve'),
      token: flags['metrics-token'] as string | undefined,
    }, env.VOLLEY_METRICS_TOKEN || undefined),
  ]);
  // A password from the environment or a flag replaces only the password of the file's admin options.
  const password = (flags['admin-password'] as string | undefined) ?? fromEnv.admin?.password;
  if (password !== undefined && fromFile.admin !== undefined) config.admin = { ...fromFile.admin, password };
  // A URL from the environment or a flag replaces only the url of the file's bridge options.
  const url = (flags.mqtt as string | undefined) ?? (typeof fromEnv.mqtt === 'string' ? fromEnv.mqtt : undefined);
  if (url !== undefined && typeof fromFile.mqtt === 'object') config.mqtt = { ...fromFile.mqtt, url };
  serveMqttOptions(config);
  return config;
}

/** The config for a debug line: passwords in URLs masked (pino's redact takes the secret keys). */
function loggableConfig(config: ServeConfig): Record<string, unknown> {
  const mqtt = typeof config.mqtt === 'string' ? redactUrl(config.mqtt)
    : config.mqtt === undefined ? undefined
      : { ...config.mqtt, ...(typeof config.mqtt.url === 'string' ? { url: redactUrl(config.mqtt.url) } : {}) };
  return { ...config, broker: redactUrl(config.broker), ...(mqtt === undefined ? {} : { mqtt }) };
}

function listenFailure(err: unknown, host: string, port: number): string {
  if (/^cannot start the metrics listener/.test((err as Error)?.message ?? '')) return `${(err as Error).message}; choose another with --metrics-port`;
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

/**
 * Resolves once a SIGINT/SIGTERM has led to a complete shutdown: the first drains (readiness
 * fails, then after the drain delay clients get 1001), a second ends the delay at once, a
 * third cuts the remaining connections.
 */
function untilSignal(running: RunningServer, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received++;
      logger.info({ event: 'signal', signal, count: received }, received === 1 ? 'draining' : received === 2 ? 'closing now' : 'cutting every connection');
      if (received === 2) void running.close();
      if (received > 2) running.terminate();
      if (received > 1) return;
      // The handlers stay until the process exits (they do not keep it alive): a signal
      // arriving after the shutdown must not kill it with the default action instead of exit 0.
      void running.drain().then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
