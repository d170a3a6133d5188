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
  nodeFlags: string[];
  outDir: string;
}

export const SUITE_DEFAULTS = { reps: 5, durationSeconds: 3, warmupSeconds: 1, quietWaitSeconds: 3, workers: 1 } as const;

export const SUITE_HELP = `Usage: npm run bench -- [options]

Runs every scenario against Volley, npm ws and a node:net floor, one fresh server
process per run pinned to one core, the load (volley bench's worker processes)
pinned to the other, servers interleaved run by run. Prints medians, spreads,
ratios to ws and every side's CPU, and writes the results as JSON and Markdown.

Options:
  --quick             one repetition of 1 s, no warm-up, no waiting for a quiet
                      machine, 2,000 connections where the full run has 10,000,
                      the hub fan-out at 1,000 subscribers only (well under two
                      minutes; figures for a smoke test, not to quote)
  --tiny              a handful of connections per scenario, timed like --quick:
                      proves the pipeline works (the test suite uses it); the
                      figures mean nothing
  --reps N            repetitions of each server in each scenario (default ${SUITE_DEFAULTS.reps})
  --duration SECS     measured time of each run (default ${SUITE_DEFAULTS.durationSeconds})
  --warmup SECS       load before each measured window (default ${SUITE_DEFAULTS.warmupSeconds})
  --quiet-wait SECS   before each run, wait up to this long for both cores to be
                      below 30% busy (default ${SUITE_DEFAULTS.quietWaitSeconds}; one budget of 60 s in all)
  --scenario A,B      only these scenarios (names in the report; hub-fanout, mqtt-bridge, game-tick, transport-fanout too)
  --servers A,B       only these servers: volley, ws, net (default all)
  --workers K         load generator processes (default ${SUITE_DEFAULTS.workers}: one core's worth)
  --no-build          never run npm run build (by default it runs when dist/ is
                      older than src/; dist/ must exist)
  --node-flags "..."  extra node flags for the servers, e.g. "--cpu-prof"
  --out DIR           where the results go (default bench/.out)
  -h, --help          show this help

Needs nothing outside the repository: npm ci, then npm run bench.
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
  'node-flags': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMAND = 'bench';

function list(text: string | undefined): string[] | null {
  return text === undefined ? null : text.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The options, or null when --help was asked for. `outDefault` is bench/.out. */
export function parseSuiteArgs(argv: string[], outDefault: string): SuiteOptions | null {
  const { flags, positionals } = parseCommandArgs(COMMAND, argv, SPECS);
  if (flags.help) return null;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, COMMAND);
  const int = (flag: keyof typeof SPECS, min: number, max: number): number | undefined =>
    flags[flag] === undefined ? undefined : parseInteger(flags[flag] as string, `--${flag}`, min, max, COMMAND);
  const quick = flags.quick === true;
  const tiny = flags.tiny === true;
  // --tiny is about the pipeline, not the figures: as short as --quick.
  const short = quick || tiny;
  return {
    reps: int('reps', 1, 100) ?? (short ? 1 : SUITE_DEFAULTS.reps),
    durationSeconds: int('duration', 1, 600) ?? (short ? 1 : SUITE_DEFAULTS.durationSeconds),
    warmupSeconds: int('warmup', 0, 60) ?? (short ? 0 : SUITE_DEFAULTS.warmupSeconds),
    quietWaitSeconds: int('quiet-wait', 0, 60) ?? (short ? 0 : SUITE_DEFAULTS.quietWaitSeconds),
    scenarios: list(flags.scenario as string | undefined),
    servers: list(flags.servers as string | undefined),
    workers: int('workers', 1, 64) ?? SUITE_DEFAULTS.workers,
    quick,
    size: tiny ? 'tiny' : quick ? 'quick' : 'full',
    build: flags['no-build'] !== true,
    nodeFlags: ((flags['node-flags'] as string | undefined) ?? '').split(' ').filter(Boolean),
    outDir: (flags.out as string | undefined) ?? outDefault,
  };
}
