// `volley bench` flags: parsing, defaults and the checks that name the bad flag.

import { availableParallelism } from 'node:os';
import { parseWebSocketUrl, WebSocketError } from '../../ws/index.js';
import { parseCommandArgs, parseInteger, UsageError } from '../args.js';
import type { ScenarioName } from './ipc.js';
import { MIN_MESSAGE_SIZE } from './payload.js';

export interface BenchOptions {
  scenario: ScenarioName;
  /** echo and connect: the target; broadcast: the base the /sub and /pub defaults derive from (or ''). */
  url: string;
  subUrl: string;
  pubUrl: string;
  connections: number;
  inFlight: number;
  size: number;
  binary: boolean;
  /** broadcast: publications per second at a fixed pace (0: keep --in-flight ahead instead). */
  rate: number;
  warmupSeconds: number;
  durationSeconds: number;
  workers: number;
  json: boolean;
}

export const DEFAULTS = {
  connections: 50,
  /** idle sends nothing: it has no messages in flight. */
  inFlight: { echo: 1, broadcast: 16, connect: 16, idle: 0 } satisfies Record<ScenarioName, number>,
  size: 64,
  warmupSeconds: 0,
  durationSeconds: 10,
} as const;

const SCENARIOS: readonly ScenarioName[] = ['echo', 'broadcast', 'connect', 'idle'];
const MAX_CONNECTIONS = 1_000_000;
const MAX_IN_FLIGHT = 100_000;
/** Below the 64 MiB a Volley server accepts by default. */
const MAX_SIZE = 16 * 1024 * 1024;
const MAX_DURATION_SECONDS = 3600;
const MAX_WARMUP_SECONDS = 600;
const MAX_RATE = 100_000;
const MAX_WORKERS = 256;

const SPECS = {
  scenario: { type: 'string' },
  connections: { type: 'string' },
  'in-flight': { type: 'string' },
  size: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  rate: { type: 'string' },
  workers: { type: 'string' },
  binary: { type: 'boolean' },
  json: { type: 'boolean' },
  'sub-url': { type: 'string' },
  'pub-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Checks a WebSocket URL; `flag` names where it came from in the message. */
function checkUrl(text: string, flag: string): string {
  try {
    return parseWebSocketUrl(text).href;
  } catch (err) {
    if (err instanceof WebSocketError) throw new UsageError(`${flag}: ${err.message}`, 'bench');
    throw err;
  }
}

/** URL with `suffix` appended to its path: ws://h:p/ → ws://h:p/sub, ws://h:p/x → ws://h:p/x/sub. */
function withPathSuffix(url: string, suffix: string): string {
  const parsed = new URL(url);
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/${suffix}`;
  return parsed.href;
}

/** The options, or null when --help was asked for. */
export function parseBenchArgs(argv: string[]): BenchOptions | null {
  const { flags, positionals } = parseCommandArgs('bench', argv, SPECS);
  if (flags.help) return null;
  const int = (flag: keyof typeof SPECS, min: number, max: number): number | undefined =>
    flags[flag] === undefined ? undefined : parseInteger(flags[flag] as string, `--${flag}`, min, max, 'bench');

  const scenarioText = (flags.scenario as string | undefined) ?? 'echo';
  if (!SCENARIOS.includes(scenarioText as ScenarioName)) {
    throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')}, got "${scenarioText}"`, 'bench');
  }
  const scenario = scenarioText as ScenarioName;
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}" (one URL only)`, 'bench');
  const url = positionals[0] === undefined ? '' : checkUrl(positionals[0], 'URL');

  let subUrl = '';
  let pubUrl = '';
  if (scenario === 'broadcast') {
    subUrl = flags['sub-url'] !== undefined ? checkUrl(flags['sub-url'] as string, '--sub-url') : url && withPathSuffix(url, 'sub');
    pubUrl = flags['pub-url'] !== undefined ? checkUrl(flags['pub-url'] as string, '--pub-url') : url && withPathSuffix(url, 'pub');
    if (!subUrl || !pubUrl) throw new UsageError('missing the URL (or both --sub-url and --pub-url)', 'bench');
  } else {
    if (!url) throw new UsageError('missing the URL to load', 'bench');
    for (const flag of ['sub-url', 'pub-url'] as const) {
      if (flags[flag] !== undefined) throw new UsageError(`--${flag} applies only to --scenario broadcast`, 'bench');
    }
  }
  if (scenario === 'connect' && flags.connections !== undefined) {
    throw new UsageError('--connections does not apply to --scenario connect (--in-flight sets how many cycles run at once)', 'bench');
  }
  if (scenario === 'idle' && flags['in-flight'] !== undefined) {
    throw new UsageError('--in-flight does not apply to --scenario idle (it sends nothing)', 'bench');
  }
  if (flags.rate !== undefined && scenario !== 'broadcast') throw new UsageError('--rate applies only to --scenario broadcast', 'bench');
  if (flags.rate !== undefined && flags['in-flight'] !== undefined) {
    throw new UsageError('--rate and --in-flight exclude each other (a fixed pace, or a window ahead of the deliveries)', 'bench');
  }

  return {
    scenario,
    url,
    subUrl,
    pubUrl,
    connections: int('connections', 1, MAX_CONNECTIONS) ?? DEFAULTS.connections,
    inFlight: int('in-flight', 1, MAX_IN_FLIGHT) ?? DEFAULTS.inFlight[scenario],
    size: int('size', MIN_MESSAGE_SIZE, MAX_SIZE) ?? DEFAULTS.size,
    binary: flags.binary === true,
    rate: int('rate', 1, MAX_RATE) ?? 0,
    warmupSeconds: int('warmup', 0, MAX_WARMUP_SECONDS) ?? DEFAULTS.warmupSeconds,
    durationSeconds: int('duration', 1, MAX_DURATION_SECONDS) ?? DEFAULTS.durationSeconds,
    workers: int('workers', 1, MAX_WORKERS) ?? Math.max(1, availableParallelism()),
    json: flags.json === true,
  };
}
