// The configuration of `volley serve`: defaults, then a JSON config file, then environment
// variables, then flags. The config file is a JSON subset of createServer's options, checked
// by the same schema (src/server/options-schema.ts) plus the keys only `volley serve` has;
// a typo or a bad value stops the start with a message that names the key, so a
// half-configured server never runs. schema/volley.config.schema.json is generated from it.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SERVER_DEFAULTS } from '../server/defaults.js';
import { checkOptions, OptionError, type KeyPath } from '../server/option-errors.js';
import { connectionLimitFields, hubFields, limitsSchema, operationsFields, serverFields } from '../server/options-schema.js';
import { boolean, integer, oneOf, text } from '../server/schema-fields.js';
import { UsageError } from './args.js';

/** The values `volley serve` uses where the config says nothing. */
export const SERVE_DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  broker: 'memory',
  demo: true,
  allowAnonymous: true,
  perMessageDeflate: SERVER_DEFAULTS.perMessageDeflate,
  /** Shorter than a library server's: a person pressing Ctrl-C waits for it. */
  shutdownTimeoutMs: 5_000,
  namespaces: {},
  logLevel: 'info',
} as const;

/** pino's levels, quietest last. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A copy of a field with another default in its docs (the serve default differs). */
function withDefault<T extends z.ZodType>(field: z.ZodOptional<T>, value: unknown, description?: string): z.ZodOptional<T> {
  const inner = field.unwrap();
  const meta = { ...z.globalRegistry.get(inner), default: value, ...(description === undefined ? {} : { description }) };
  return inner.meta(meta).optional() as z.ZodOptional<T>;
}

export const serveConfigSchema = z
  .strictObject(
    {
      $schema: z.string().meta({ description: 'where editors find this schema; ignored by the server' }).optional(),
      port: withDefault(serverFields.port, SERVE_DEFAULTS.port),
      host: withDefault(serverFields.host, SERVE_DEFAULTS.host, 'address to listen on; `0.0.0.0` (or `::`) accepts other machines'),
      broker: z
        .string()
        .regex(/^(memory|(redis|rediss|nats):\/\/.+)$/, { error: '"memory", a redis:// or rediss:// URL, or a nats:// URL' })
        .meta({ description: 'fan-out engine: `memory`, `redis://…` / `rediss://…`, or `nats://…`', default: SERVE_DEFAULTS.broker })
        .optional(),
      demo: boolean({ description: 'serve the demo pages and run their market feed', default: SERVE_DEFAULTS.demo }).optional(),
      apiKey: text({ description: 'enables `/api` (`Authorization: apikey KEY`); no API when absent', writeOnly: true }).optional(),
      secret: text(
        { description: 'HS256 secret for connection tokens, 32+ characters; `volley token` signs with it; no tokens when absent', writeOnly: true },
        32,
        'a string of at least 32 characters (HS256 needs 256 bits)',
      ).optional(),
      allowAnonymous: withDefault(hubFields.allowAnonymous, SERVE_DEFAULTS.allowAnonymous),
      origins: serverFields.origins,
      perMessageDeflate: boolean({
        description: 'negotiate permessage-deflate with WebSocket clients (the hub and `/echo`)',
        default: SERVE_DEFAULTS.perMessageDeflate,
      }).optional(),
      maxMessageSize: integer(1, 64 * 1024 * 1024, {
        description: 'the same as `limits.maxMessageSize` (kept for older config files)',
        default: limitsSchema.shape.maxMessageSize.unwrap().meta()?.default,
      }).optional(),
      channels: hubFields.channels,
      namespaces: hubFields.namespaces.unwrap().meta({
        ...hubFields.namespaces.unwrap().meta(),
        description: "extra or overriding namespaces, merged over the demo's `chat` and `market`",
      }).optional(),
      limits: hubFields.limits,
      connectTimeoutMs: hubFields.connectTimeoutMs,
      presenceTtlMs: hubFields.presenceTtlMs,
      heartbeatIntervalMs: serverFields.heartbeatIntervalMs,
      shutdownTimeoutMs: withDefault(serverFields.shutdownTimeoutMs, SERVE_DEFAULTS.shutdownTimeoutMs),
      admin: serverFields.admin,
      nodeId: serverFields.nodeId,
      ...connectionLimitFields,
      transports: serverFields.transports,
      logLevel: oneOf(LOG_LEVELS, {
        description: "the least severe log events written (JSON lines on stdout, readable lines on a terminal; docs/operations.md): `'fatal'`, `'error'`, `'warn'`, `'info'`, `'debug'`, `'trace'` or `'silent'`",
        default: SERVE_DEFAULTS.logLevel,
      }).optional(),
      metrics: operationsFields.metrics.unwrap().meta({
        ...operationsFields.metrics.unwrap().meta(),
        description: 'Prometheus metrics (docs/operations.md): `--metrics` enables them on 127.0.0.1:9464; `--metrics-port P` and `--metrics-token T` ($VOLLEY_METRICS_TOKEN) set `port` and `token`',
      }).optional(),
      drainDelayMs: operationsFields.drainDelayMs,
      brokerProbeIntervalMs: operationsFields.brokerProbeIntervalMs,
      mqtt: z
        .union([
          z.string().regex(/^(mqtts?|wss?):\/\/[^/]+/, { error: 'an mqtt://, mqtts://, ws:// or wss:// URL' }),
          z.record(z.string(), z.unknown()),
        ], { error: 'an MQTT broker URL or an object of bridge options (docs/mqtt.md)' })
        .meta({ description: "the MQTT bridge: a broker URL, or the bridge's options (docs/mqtt.md), whose rules are checked before the start; none when absent" })
        .optional(),
    },
    { error: 'an object' },
  )
  .refine((c) => c.maxMessageSize === undefined || c.limits?.maxMessageSize === undefined || c.maxMessageSize === c.limits.maxMessageSize, {
    path: ['maxMessageSize'],
    error: 'left out when limits.maxMessageSize is given (they are the same setting)',
  })
  .refine((c) => (c.requestTimeoutMs ?? SERVER_DEFAULTS.requestTimeoutMs) >= (c.handshakeTimeoutMs ?? SERVER_DEFAULTS.handshakeTimeoutMs), {
    path: ['requestTimeoutMs'],
    error: `at least handshakeTimeoutMs (which defaults to ${SERVER_DEFAULTS.handshakeTimeoutMs})`,
  });

/** What a config file (or any layer) may hold. */
export type ServeConfigInput = z.input<typeof serveConfigSchema>;
/** The resolved configuration: every layer merged over SERVE_DEFAULTS. */
export type ServeConfig = Omit<z.output<typeof serveConfigSchema>, keyof typeof SERVE_DEFAULTS> & {
  port: number;
  host: string;
  broker: string;
  demo: boolean;
  allowAnonymous: boolean;
  perMessageDeflate: boolean;
  shutdownTimeoutMs: number;
  namespaces: NonNullable<ServeConfigInput['namespaces']>;
  logLevel: (typeof LOG_LEVELS)[number];
};

/** Checks one layer; errors name the key as the user wrote it (file path, variable, flag). */
function checkLayer(input: unknown, name: (path: KeyPath) => string): ServeConfigInput {
  try {
    return checkOptions(serveConfigSchema, input, name);
  } catch (err) {
    if (err instanceof OptionError) throw new UsageError(err.message, 'serve');
    throw err;
  }
}

/** Reads and checks a JSON config file (a UTF-8 byte order mark is fine). */
export function readConfigFile(path: string): ServeConfigInput {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${(err as Error).message}`, 'serve');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(err as Error).message}`, 'serve');
  }
  return checkLayer(parsed, (keys) => (keys.length === 0 ? path : `${path}: ${keys.map(String).join('.')}`));
}

/** Environment variables and the keys they set. */
export const ENV_KEYS = {
  VOLLEY_PORT: 'port',
  VOLLEY_HOST: 'host',
  VOLLEY_BROKER: 'broker',
  VOLLEY_API_KEY: 'apiKey',
  VOLLEY_SECRET: 'secret',
  VOLLEY_MQTT: 'mqtt',
  VOLLEY_ADMIN_PASSWORD: 'admin',
  VOLLEY_LOG_LEVEL: 'logLevel',
} as const satisfies Record<string, keyof ServeConfigInput>;

/** The flags and the keys they set (for messages and the docs table). */
export const FLAG_KEYS = {
  '-p, --port P': 'port',
  '--host H': 'host',
  '--broker URL': 'broker',
  '--api-key KEY': 'apiKey',
  '--secret S': 'secret',
  '--no-anonymous': 'allowAnonymous',
  '--no-demo': 'demo',
  '--deflate': 'perMessageDeflate',
  '--mqtt URL': 'mqtt',
  '--admin-password P': 'admin',
  '--log-level L': 'logLevel',
  '--metrics': 'metrics',
  '--drain-delay MS': 'drainDelayMs',
} as const satisfies Record<string, keyof ServeConfigInput>;

/** Reads the VOLLEY_* environment variables (strings, converted and checked). */
export function readEnvironment(env: NodeJS.ProcessEnv): ServeConfigInput {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const converted = key === 'port' && /^\d+$/.test(value) ? Number(value) : key === 'admin' ? { password: value } : value;
    Object.assign(out, checkLayer({ [key]: converted }, () => name));
  }
  return out;
}

/** Checks values given as flags (already converted to their types). */
export function checkFlags(flags: Partial<Record<keyof ServeConfigInput, unknown>>): ServeConfigInput {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    const flag = Object.entries(FLAG_KEYS).find(([, k]) => k === key)?.[0].split(' ').find((f) => f.startsWith('--')) ?? `--${key}`;
    Object.assign(out, checkLayer({ [key]: value }, () => flag));
  }
  return out;
}

/**
 * The `metrics` object from the config file's, with the token from VOLLEY_METRICS_TOKEN and
 * --metrics / --metrics-port / --metrics-token over it; undefined when none of them says anything.
 */
export function metricsLayer(
  file: ServeConfigInput['metrics'],
  flags: { enabled?: boolean | undefined; port?: number | undefined; token?: string | undefined },
  envToken: string | undefined,
): ServeConfigInput {
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  if (file === undefined && envToken === undefined && Object.keys(given).length === 0) return {};
  const metrics = { ...file, ...(envToken === undefined ? {} : { token: envToken }), ...given };
  const flagOf: Record<string, string> = { enabled: '--metrics', port: '--metrics-port', token: flags.token === undefined ? 'VOLLEY_METRICS_TOKEN' : '--metrics-token' };
  return checkLayer({ metrics }, (keys) => flagOf[String(keys[1])] ?? `metrics.${keys.slice(1).map(String).join('.')}`);
}

/** Defaults < config file < environment < flags; the merged result is checked as a whole too. */
export function resolveServeConfig(layers: ServeConfigInput[]): ServeConfig {
  const merged = Object.assign({}, SERVE_DEFAULTS, ...layers) as Record<string, unknown>;
  delete merged.$schema;
  return checkLayer(merged, (keys) => keys.map(String).join('.') || 'the configuration') as ServeConfig;
}
