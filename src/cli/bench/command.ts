// `volley bench`: the help, the run from probe to summary, and the exit code.

import { ExitCode } from '../exit-codes.js';
import { DEFAULTS, parseBenchArgs, type BenchOptions } from './options.js';
import { HANDSHAKE_TIMEOUT_MS, planWorkers } from './plans.js';
import { probe } from './probe.js';
import { ProgressDisplay } from './progress.js';
import { formatTable, summarize, UNITS, type BenchSummary } from './report.js';
import { BenchRun } from './runner.js';

export const BENCH_HELP = `Usage: volley bench URL [options]

Loads a WebSocket server with many connections from several worker processes and
prints throughput and latency. Scenarios:
  echo       each connection keeps --in-flight messages in flight to an echo
             endpoint (e.g. volley serve's /echo); round-trip latency
  broadcast  --connections subscribers on URL/sub and one publisher on URL/pub,
             which keeps --in-flight messages ahead of the deliveries;
             deliveries/s and publish-to-delivery latency
  connect    open, one echo, close, repeated by --in-flight loops at once;
             handshakes/s (cycles) and failures; latency of a whole cycle
  idle       --connections connections opened and held, nothing sent (watch
             the server's memory); reports how many opened and stayed open

Options:
  --scenario S        echo, broadcast, connect or idle (default echo)
  --connections N     echo, idle: connections; broadcast: subscribers (default ${DEFAULTS.connections})
  --in-flight W       echo: messages in flight per connection (default ${DEFAULTS.inFlight.echo});
                      broadcast: published and not yet delivered (default ${DEFAULTS.inFlight.broadcast});
                      connect: cycles at once (default ${DEFAULTS.inFlight.connect})
  --size BYTES        message size, at least 32 (default ${DEFAULTS.size})
  --binary            binary messages (default text)
  --rate R            broadcast: publish R messages per second at a fixed pace
                      instead of keeping --in-flight ahead (1-100000)
  --warmup SECS       load this long before measuring, 0-600 (default ${DEFAULTS.warmupSeconds})
  --duration SECS     how long to measure, 1-3600 (default ${DEFAULTS.durationSeconds})
  --workers K         worker processes (default: the number of CPUs; never more
                      than there are connections or cycles)
  --sub-url URL       broadcast: where subscribers connect (default URL + /sub)
  --pub-url URL       broadcast: where the publisher connects (default URL + /pub)
  --json              print one JSON object instead of the table; no progress
  -h, --help          show this help

Progress goes to stderr, the summary to stdout. "client CPU %" is what the
workers themselves used (% of one core, summed): near 100% per worker, the
load generator rather than the server may bound the figures.

Exit codes:
  0  the run completed
  1  the target could not be reached, or every connection failed
  2  usage error: unknown flag, bad value, bad URL
`;

export async function benchCommand(argv: string[]): Promise<number> {
  const options = parseBenchArgs(argv);
  if (options === null) {
    process.stdout.write(BENCH_HELP);
    return ExitCode.Ok;
  }
  const targets = options.scenario === 'broadcast' ? [options.subUrl, options.pubUrl] : [options.url];
  for (const url of targets) {
    const problem = await probe(url, HANDSHAKE_TIMEOUT_MS);
    if (problem !== null) {
      process.stderr.write(`volley bench: cannot reach ${url}: ${problem}\n`);
      return ExitCode.Failure;
    }
  }

  const summary = await measure(options);
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : formatTable(summary));
  return summary.connectionsOk === 0 ? ExitCode.Failure : ExitCode.Ok;
}

async function measure(options: BenchOptions): Promise<BenchSummary> {
  const plans = planWorkers(options);
  const run = new BenchRun(plans);
  const mode = options.json ? 'none' : process.stderr.isTTY ? 'bar' : 'lines';
  const totalSeconds = options.warmupSeconds + options.durationSeconds;
  const progress = new ProgressDisplay(mode, UNITS[options.scenario], totalSeconds * 1000, () => run.current());
  const load = options.scenario === 'connect' ? `${options.inFlight} connect cycles at once` : `${options.connections} connections`;
  const warmup = options.warmupSeconds > 0 ? ` after ${options.warmupSeconds} s of warm-up` : '';
  progress.note(`volley bench: ${options.scenario}, ${load} over ${plans.length} worker${plans.length === 1 ? '' : 's'}, ${options.durationSeconds} s${warmup}`);
  // Ctrl-C: stop early and still print what was measured; a second one cuts the workers off.
  const onSigint = () => run.stop();
  process.on('SIGINT', onSigint);
  try {
    const outcome = await run.run(() => progress.start());
    return summarize(options, outcome);
  } finally {
    progress.end();
    process.off('SIGINT', onSigint);
  }
}
