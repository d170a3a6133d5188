// The configuration of `volley serve`: defaults, then a JSON config file, then environment
// variables, then flags. Every key is checked; a typo or a bad value stops the start with a
// message that names the key and what it accepts, so a half-configured server never runs.

import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';

export interface ServeConfig {
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port: number;
  /** Address to listen on. Default 127.0.0.1 (this machine only). */
  host: string;
  /** Fan-out engine: 'memory', 'redis://…' or 'nats://…'. Default 'memory'. */
  broker: string;
  /** Serve the demo pages and run their market feed. Default true. */
  demo: boolean;
  /** Key for the HTTP publish API at /api (Authorization: apikey KEY). Default: no API. */
  apiKey?: string;
  /** HS256 secret for connection tokens (also what `volley token` signs with). Default: none. */
  secret?: string;
  /** Accept connections without a token. Default true (the demo needs it). */
  allowAnonymous: boolean;
  /** Allowed Origin values for WebSocket upgrades. Default: any. */
  origins?: string[];
  /** permessage-deflate for WebSocket clients. Default false. */
  perMessageDeflate: boolean;
  /** Largest WebSocket message, bytes. Default 65536. */
  maxMessageSize: number;
  /** Extra or overriding namespaces: { name: { presence, joinLeave, historySize, historyTtlMs, publish, allowAnonymous } }. */
  namespaces: Record<string, NamespaceConfig>;
  /** The MQTT bridge: a broker URL, or the bridge's options (docs/mqtt.md; checked by serve-mqtt.ts). Default: none. */
  mqtt?: Record<string, unknown>;
}

export interface NamespaceConfig {
  presence?: boolean;
  joinLeave?: boolean;
  historySize?: number;
  historyTtlMs?: number;
  publish?: 'subscribers' | 'authenticated' | 'server';
  allowAnonymous?: boolean;
}

export const SERVE_DEFAULTS: Readonly<ServeConfig> = {
  port: 8080,
  host: '127.0.0.1',
  broker: 'memory',
  demo: true,
  allowAnonymous: true,
  perMessageDeflate: false,
  maxMessageSize: 65536,
  namespaces: {},
};

type Check = (value: unknown, where: string) => unknown;

const fail = (where: string, expected: string, value: unknown): never => {
  throw new UsageError(`${where} must be ${expected}, got ${JSON.stringify(value)}`, 'serve');
};
const integer = (min: number, max: number): Check => (v, where) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? v : fail(where, `an integer from ${min} to ${max}`, v);
const boolean: Check = (v, where) => (typeof v === 'boolean' ? v : fail(where, 'true or false', v));
const text: Check = (v, where) => (typeof v === 'string' && v.length > 0 ? v : fail(where, 'a non-empty string', v));
const oneOf = (...allowed: string[]): Check => (v, where) =>
  typeof v === 'string' && allowed.includes(v) ? v : fail(where, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, v);
const brokerUrl: Check = (v, where) =>
  typeof v === 'string' && (v === 'memory' || /^(redis|rediss|nats):\/\//.test(v)) ? v : fail(where, '"memory", a redis:// or rediss:// URL, or a nats:// URL', v);
const textList: Check = (v, where) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : fail(where, 'a list of strings', v));

const NAMESPACE_KEYS: Record<keyof NamespaceConfig, Check> = {
  presence: boolean,
  joinLeave: boolean,
  historySize: integer(0, 1_000_000),
  historyTtlMs: integer(0, 30 * 24 * 3600 * 1000),
  publish: oneOf('subscribers', 'authenticated', 'server'),
  allowAnonymous: boolean,
};

const namespaces: Check = (v, where) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(where, 'an object of namespaces', v);
  const out: Record<string, NamespaceConfig> = {};
  for (const [name, options] of Object.entries(v)) {
    if (!/^[a-zA-Z0-9_-]+$/.test(name)) fail(`${where} name "${name}"`, 'letters, digits, "_" or "-"', name);
    out[name] = checkObject(options, NAMESPACE_KEYS, `${where}.${name}`) as NamespaceConfig;
  }
  return out;
};

const mqtt: Check = (v, where) => {
  if (typeof v === 'string') return /^(mqtts?|wss?):\/\/[^/]+/.test(v) ? { url: v } : fail(where, 'an mqtt://, mqtts://, ws:// or wss:// URL', v);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : fail(where, 'an MQTT URL or an object of bridge options (docs/mqtt.md)', v);
};

const KEYS: Record<keyof ServeConfig, Check> = {
  port: integer(0, 65535),
  host: text,
  broker: brokerUrl,
  demo: boolean,
  apiKey: text,
  secret: (v, where) => (typeof v === 'string' && v.length >= 32 ? v : fail(where, 'a string of at least 32 characters (HS256 needs 256 bits)', v)),
  allowAnonymous: boolean,
  origins: textList,
  perMessageDeflate: boolean,
  maxMessageSize: integer(126, 64 * 1024 * 1024),
  namespaces,
  mqtt,
};

function checkObject(value: unknown, keys: Record<string, Check>, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(where, 'an object', value);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const check = keys[key];
    if (check === undefined) {
      const hint = closest(key, Object.keys(keys));
      throw new UsageError(
        `unknown key "${key}" in ${where}${hint ? ` (did you mean "${hint}"?)` : ''}; allowed: ${Object.keys(keys).join(', ')}`,
        'serve',
      );
    }
    out[key] = check(v, `${where}.${key}`);
  }
  return out;
}

/** The known key nearest to a typo, by edit distance, if it is close enough. */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Reads and checks a JSON config file. */
export function readConfigFile(path: string): Partial<ServeConfig> {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${(err as Error).message}`, 'serve');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(err as Error).message}`, 'serve');
  }
  return checkObject(parsed, KEYS, path) as Partial<ServeConfig>;
}

/** Environment variables and the keys they set. */
export const ENV_KEYS = {
  VOLLEY_PORT: 'port',
  VOLLEY_HOST: 'host',
  VOLLEY_BROKER: 'broker',
  VOLLEY_API_KEY: 'apiKey',
  VOLLEY_SECRET: 'secret',
  VOLLEY_MQTT: 'mqtt',
} as const satisfies Record<string, keyof ServeConfig>;

/** Reads the VOLLEY_* environment variables (strings, converted and checked). */
export function readEnvironment(env: NodeJS.ProcessEnv): Partial<ServeConfig> {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const converted = key === 'port' ? (/^\d+$/.test(value) ? Number(value) : value) : value;
    out[key] = KEYS[key](converted, name);
  }
  return out as Partial<ServeConfig>;
}

/** Checks values given as flags (already converted to their types). */
export function checkFlags(flags: Partial<Record<keyof ServeConfig, unknown>>): Partial<ServeConfig> {
  const out: Record<string, unknown> = {};
  const names: Partial<Record<keyof ServeConfig, string>> = { apiKey: '--api-key', perMessageDeflate: '--deflate', demo: '--no-demo' };
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    out[key] = KEYS[key as keyof ServeConfig](value, names[key as keyof ServeConfig] ?? `--${key}`);
  }
  return out as Partial<ServeConfig>;
}

/** Defaults < config file < environment < flags. */
export function resolveServeConfig(layers: Array<Partial<ServeConfig>>): ServeConfig {
  return Object.assign({}, SERVE_DEFAULTS, ...layers);
}
