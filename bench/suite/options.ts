// `npm run bench` flags: parsed with the CLI's own parser, so mistakes read like every
// other volley command's (exit 2 naming the flag).

import { parseCommandArgs, parseInteger, UsageError } from '../../src/cli/args.js';

/** full: the scenarios as specified; quick: 2,000 connections where full has 10,000; tiny: a handful everywhere. */
export type Size = 'full' | 'quick' | 'tiny';

export interface SuiteOptions {
  reps: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Longest wait for both cores to be mostly idle before each run. */
  quietWaitSeconds: number;
  /** Scenario names to run (null: all). */
  scenarios: string[] | null;
  /** Server names to run (null: all). */
  servers: string[] | null;
  /** Worker processes of the load generator (all pinned to the load's core). */
  workers: number;
  quick: boolean;
  size: Size;
  build: boolean;
  /** Install the peers (npm install --prefix bench/peers) when they are missing. */
  install: boolean;
  /** go: bench/loadgen (built with Go; the Node workers when Go is missing); node: volley bench's workers. */
  loadgen: 'go' | 'node';
  /** A scenario to profile: the server runs under node --cpu-prof, the profiles go to the output directory. */
  profile: string | null;
  nodeFlags: string[];
  outDir: string;
}

export const SUITE_DEFAULTS = { reps: 3, durationSeconds: 2, warmupSeconds: 1, quietWaitSeconds: 3, workers: 1 } as const;

export const SUITE_HELP = `Usage: npm run bench -- [options]

Runs every scenario against Volley and its peers (npm ws with and without
bufferutil, uWebSockets.js, a node:net floor; at hub level Socket.IO 4 on its own
engine and on uWebSockets.js), one fresh server process per run pinned to one
core, the load pinned to the other, servers interleaved run by run. Prints
medians, spreads, ratios and every side's CPU, and writes the results as JSON
and Markdown. The load comes from bench/loadgen (Go, built on first use; without
Go, volley bench's Node workers, which cannot load the hub or Socket.IO).
The peers are installed on first use: npm install --prefix bench/peers.

Options:
  --quick             one repetition of 1 s, no warm-up, no waiting for a quiet
                      machine, 2,000 connections where the full run has 10,000,
                      a subset of the scenarios and no ws-bufferutil (under two
                      minutes; figures for a smoke test, not to quote)
  --tiny              a handful of connections per scenario, timed like --quick:
                      proves the pipeline works (the test suite uses it); the
                      figures mean nothing
  --reps N            repetitions of each server in each scenario (default ${SUITE_DEFAULTS.reps})
  --duration SECS     measured time of each run (default ${SUITE_DEFAULTS.durationSeconds})
  --warmup SECS       load before each measured window (default ${SUITE_DEFAULTS.warmupSeconds})
  --quiet-wait SECS   before each run, wait up to this long for both cores to be
                      below 30% busy (default ${SUITE_DEFAULTS.quietWaitSeconds}; one budget of 60 s in all)
  --scenario A,B      only these scenarios (names in the report; hub-fanout, mqtt-bridge, game-tick,
                      transport-fanout too)
  --servers A,B       only these servers: volley, ws, ws-bufferutil, uws, net,
                      net-raw, volley-hub, socketio, socketio-uws (default all); and
                      volley-hub-history, volley-hub-presence, socketio-recover,
                      volley-hub-redis, volley-hub-nats, socketio-redis
  --loadgen go|node   go: bench/loadgen (default; falls back to node without Go);
                      node: volley bench's worker processes
  --workers K         Node load generator processes (default ${SUITE_DEFAULTS.workers}: one core's worth)
  --profile SCENARIO  run only SCENARIO, each server under node --cpu-prof; the
                      .cpuprofile files go to the output directory
  --no-install        never run npm install --prefix bench/peers (servers whose
                      peers are missing are skipped)
  --no-build          never run npm run build (by default it runs when dist/ is
                      older than src/; dist/ must exist)
  --node-flags "..."  extra node flags for the servers, e.g. "--cpu-prof"
  --out DIR           where DATE.json and DATE.md go (default bench/results;
                      --quick and --tiny add -quick, -tiny to DATE)
  -h, --help          show this help

Needs nothing outside the repository: npm ci, then npm run bench (Go from
Debian's golang-go for the full load: apt-get install -y golang-go).
Exit codes: 0 every run produced its figure; 1 some did not; 2 usage error.
`;

const SPECS = {
  quick: { type: 'boolean' },
  tiny: { type: 'boolean' },
  reps: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  'quiet-wait': { type: 'string' },
  scenario: { type: 'string' },
  servers: { type: 'string' },
  workers: { type: 'string' },
  'no-build': { type: 'boolean' },
  'no-install': { type: 'boolean' },
  loadgen: { type: 'string' },
  profile: { type: 'string' },
  'node-flags': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMAND = 'bench';

function list(text: string | undefined): string[] | null {
  return text === undefined ? null : text.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The options, or null when --help was asked for. `outDefault` is bench/results. */
export function parseSuiteArgs(argv: string[], outDefault: string): SuiteOptions | null {
  const { flags, positionals } = parseCommandArgs(COMMAND, argv, SPECS);
  if (flags.help) return null;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, COMMAND);
  const int = (flag: keyof typeof SPECS, min: number, max: number): number | undefined =>
    flags[flag] === undefined ? undefined : parseInteger(flags[flag] as string, `--${flag}`, min, max, COMMAND);
  const quick = flags.quick === true;
  const loadgen = (flags.loadgen as string | undefined) ?? 'go';
  if (loadgen !== 'go' && loadgen !== 'node') throw new UsageError(`--loadgen: "go" or "node", not "${loadgen}"`, COMMAND);
  const profile = (flags.profile as string | undefined) ?? null;
  const tiny = flags.tiny === true;
  // --tiny is about the pipeline, not the figures: as short as --quick.
  const short = quick || tiny;
  return {
    reps: int('reps', 1, 100) ?? (short ? 1 : SUITE_DEFAULTS.reps),
    durationSeconds: int('duration', 1, 600) ?? (short ? 1 : SUITE_DEFAULTS.durationSeconds),
    warmupSeconds: int('warmup', 0, 60) ?? (short ? 0 : SUITE_DEFAULTS.warmupSeconds),
    quietWaitSeconds: int('quiet-wait', 0, 60) ?? (short ? 0 : SUITE_DEFAULTS.quietWaitSeconds),
    scenarios: profile !== null ? [profile] : list(flags.scenario as string | undefined),
    servers: list(flags.servers as string | undefined),
    workers: int('workers', 1, 64) ?? SUITE_DEFAULTS.workers,
    quick,
    size: tiny ? 'tiny' : quick ? 'quick' : 'full',
    build: flags['no-build'] !== true,
    install: flags['no-install'] !== true,
    loadgen,
    profile,
    nodeFlags: ((flags['node-flags'] as string | undefined) ?? '').split(' ').filter(Boolean),
    outDir: (flags.out as string | undefined) ?? outDefault,
  };
}
