// The suite's results as text: the table printed at the end of a run, and the Markdown
// report (written next to the JSON, and into docs/benchmarks.md by bench/report.ts).

import { formatCount } from '../../src/cli/bench/format.js';
import type { MachineInfo } from './machine.js';
import { meetsTarget, type ScenarioResult } from './stats.js';

/** What a scenario run as a script of its own printed, and how it exited. */
export interface ScriptResult {
  status: number | null;
  table: string;
}

export interface SuiteResults {
  date: string;
  /** The JSON file, relative to the repository. */
  file: string;
  elapsedSeconds: number;
  options: { reps: number; durationSeconds: number; warmupSeconds: number; workers: number; quick: boolean; size: string; servers: string[]; nodeFlags: string[] };
  machine: MachineInfo;
  scenarios: ScenarioResult[];
  hubFanout: ScriptResult | null;
  mqttBridge?: ScriptResult | null;
  gameTick?: ScriptResult | null;
  transportFanout?: ScriptResult | null;
}

/** A figure: thousands separated from 100 up, three significant digits below. */
export function formatFigure(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  return Math.abs(v) >= 100 ? formatCount(v) : Number(v.toPrecision(3)).toString();
}

const ratioText = (r: number | null | undefined) => (r === null || r === undefined ? '—' : `${r.toFixed(2)}x`);
const cpuText = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${Math.round(v)}%`);
const bound = (result: ScenarioResult) => `${result.better === 'higher' ? '≥' : '≤'} ${result.target}x`;

function flagText(result: ScenarioResult, name: string): string {
  const s = result.stats[name as keyof typeof result.stats];
  return s ? Object.entries(s.flags).map(([k, n]) => `${k} ${n}/${s.runs}`).join(', ') : '';
}

/** Left-aligned columns, a rule under the header. */
export function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, j) => c.padEnd(widths[j]!)).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** One line per run as it finishes. */
export function runLine(result: { name: string; unit: string }, run: ScenarioResult['runs'][number], reps: number): string {
  return `  ${result.name} rep ${run.rep + 1}/${reps} ${run.server.padEnd(6)} ${formatFigure(run.value).padStart(10)} ${result.unit}` +
    `  loadgen ${cpuText(run.clientCpu).padStart(4)} server ${cpuText(run.serverCpu).padStart(4)} others ${cpuText(run.othersCpu).padStart(4)}` +
    ` (busy before ${run.busyBefore}%)${run.problems.length ? `  [${run.problems.join('; ')}]` : ''}`;
}

export function consoleTable(results: ScenarioResult[]): string {
  const rows = [['scenario', 'server', 'median', 'min–max', 'x ws', 'target', 'loadgen', 'server', 'others', 'flags']];
  for (const result of results) {
    for (const [name, s] of Object.entries(result.stats)) {
      rows.push([
        result.name, name, `${formatFigure(s.median)} ${result.unit}`, `${formatFigure(s.min)}–${formatFigure(s.max)}`,
        ratioText(s.ratio), name === 'volley' ? bound(result) : '', cpuText(s.clientCpu), cpuText(s.serverCpu), cpuText(s.othersCpu),
        flagText(result, name),
      ]);
    }
  }
  return `${columns(rows)}

loadgen/server/others: median CPU over the measured window, % of one core: volley bench's
workers (the load generator), the server, and everything else on the machine (other
sessions, the kernel). Flags count runs: "loadgen saturated" (>90% of its core) or "server
idle" (<80% busy in a throughput run): the figure is bounded by the load generator, not the
server; "noisy": everything else took >30% of a core during the run.`;
}

function figure(result: ScenarioResult, name: 'volley' | 'ws' | 'net'): string {
  const s = result.stats[name];
  if (!s || s.median === null) return '—';
  return s.n > 1 ? `${formatFigure(s.median)} (${formatFigure(s.min)}–${formatFigure(s.max)})` : formatFigure(s.median);
}

/** The report in Markdown (without a title: it is also embedded in docs/benchmarks.md). */
export function markdownReport(doc: SuiteResults): string {
  const { machine: m, options: o } = doc;
  const lines: string[] = [];
  const smoke = o.size === 'tiny' ? ' (a `--tiny` pipeline check: a handful of connections; the figures mean nothing)'
    : o.quick ? ' (a `--quick` smoke run: single repetition, short runs; do not quote these figures)' : '';
  lines.push(`Figures from \`npm run bench\` on ${doc.date.slice(0, 10)}, commit ${m.commit}${m.dirty ? ' (with uncommitted changes in src/)' : ''}` +
    ` — ${o.reps} repetition${o.reps > 1 ? 's' : ''} of ${o.durationSeconds} s measured after ${o.warmupSeconds} s warm-up,` +
    ` load from ${o.workers} \`volley bench\` worker process${o.workers > 1 ? 'es' : ''}${smoke}. Source: \`${doc.file}\`.`, '');
  lines.push('## Machine', '');
  lines.push(`${m.cores} cores (${m.cpu}), ${m.memGB} GB, Linux ${m.kernel}, Node ${m.node}, ws ${m.ws}, fd limit ${m.fdLimit},` +
    ` ${m.pinned ? 'server and load pinned to separate cores' : '**not pinned** (no taskset): server and load share the cores'}.` +
    ` Load average at start: ${m.loadavg.join(', ')}.`, '');
  lines.push('## Results', '');
  lines.push('| scenario | unit | Volley | ws | net | Volley / ws | target | met | net / ws | load generator CPU (Volley / ws / net) | server CPU (Volley / ws / net) |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const result of doc.scenarios) {
    const s = result.stats;
    const met = meetsTarget(result);
    const lower = result.better === 'lower' ? ' (lower is better)' : '';
    lines.push(`| ${result.title}${lower} | ${result.unit} | ${figure(result, 'volley')} | ${figure(result, 'ws')} | ${figure(result, 'net')} | ` +
      `${ratioText(s.volley?.ratio)} | ${bound(result)} | ${met === null ? '' : met ? 'yes' : '**no**'} | ${ratioText(s.net?.ratio)} | ` +
      `${cpuText(s.volley?.clientCpu)} / ${cpuText(s.ws?.clientCpu)} / ${cpuText(s.net?.clientCpu)} | ` +
      `${cpuText(s.volley?.serverCpu)} / ${cpuText(s.ws?.serverCpu)} / ${cpuText(s.net?.serverCpu)} |`);
  }
  lines.push('');
  const loadCpu = doc.scenarios.filter((r) => r.kind !== 'idle').flatMap((r) => r.runs.map((x) => x.clientCpu)).filter((v): v is number => v !== null);
  if (loadCpu.length) {
    const saturated = doc.scenarios.flatMap((r) => r.runs).filter((x) => x.problems.includes('loadgen saturated')).length;
    lines.push(`How busy the load generator was: at most ${cpuText(Math.max(...loadCpu))} of one core in any measured run` +
      ` (idle-connection runs aside), ${saturated ? `saturated (>90% per worker) in ${saturated} of ${loadCpu.length} runs: those figures measure the load generator, not the server` : 'never saturated'}.`, '');
  }
  const unmet = doc.scenarios.filter((r) => meetsTarget(r) === false);
  if (unmet.length) {
    lines.push(`Targets not met in this run: ${unmet.map((r) => `${r.name} (${ratioText(r.stats.volley?.ratio)}, target ${bound(r)})`).join(', ')}.`, '');
  }
  lines.push(...scriptSection(doc.hubFanout, 'Hub fan-out', [
    'A channel publish through the hub (`createServer`, JSON push encoded and framed once) against the same',
    'fan-out on the bare socket layer (`prepareMessage` + `sendPrepared`), by `bench/hub-fanout.mjs`. Its',
    'subscribers are one Node process pinned to the other core; its CPU is the last column: near 100% it,',
    'not the server, bounds the figure (then read the hub/raw ratio).',
  ], 'not in this run.', false));
  lines.push(...scriptSection(doc.mqttBridge, 'MQTT bridge', [
    'An MQTT client publishes QoS 1 messages to the broker; the bridge (`createServer({ mqtt })`) publishes',
    'each into a channel; a Volley client receives them. Latency is from the MQTT publish call to the',
    'Volley client, at a fixed rate; the rate is messages/s with the bridge as the limit (`bench/mqtt-bridge.mjs`).',
  ], 'not in this run (no MQTT broker reachable, or not selected).', true));
  lines.push(...scriptSection(doc.gameTick, 'Game tick', [
    'Bots (`examples/game-bots.mjs`, one child process) play the Game demo through the Node SDK, 16 to a match;',
    'each match ticks at 20 Hz on the server. Tick jitter is |actual interval between two ticks − 50 ms|,',
    'measured on the server; delivery is from the tick timestamp in a delta to its arrival at a bot (`bench/game-tick.mjs`).',
  ], 'not in this run (not selected).', true));
  lines.push(...scriptSection(doc.transportFanout, 'Fan-out over the HTTP transports', [
    'One channel publish to N subscribers over WebSocket, SSE and long-polling (`bench/transport-fanout.mjs`): the server in',
    'this process, the subscribers in one Node process pinned to the other core speaking the wire formats directly',
    '(fetch for SSE and polls). Memory per connection is the server\'s heap and RSS growth from before the subscribers',
    'came to after they subscribed, after a full GC. A subscriber process near 100% CPU is the bound, not the server.',
  ], 'not in this run (not selected).', false));
  const flagged = doc.scenarios.map((r) => [r.name, Object.keys(r.stats).map((n) => (flagText(r, n) ? `${n}: ${flagText(r, n)}` : '')).filter(Boolean).join('; ')]).filter(([, t]) => t);
  if (flagged.length) {
    lines.push('### Flagged runs', '');
    for (const [name, text] of flagged) lines.push(`- ${name}: ${text}`);
    lines.push('');
  }
  lines.push('### The loads, as `volley bench` command lines', '');
  lines.push('Each run is `volley bench URL` with these flags (and `--warmup`, `--duration`, `--workers` as above) against a fresh server from `bench/servers/`:', '');
  for (const r of doc.scenarios) lines.push(`- ${r.name}: \`${r.load.join(' ')}\``);
  lines.push('');
  return lines.join('\n');
}

/** The report's section for a scenario run as a script of its own: its explanation and what it printed. */
function scriptSection(result: ScriptResult | null | undefined, heading: string, explanation: string[], missing: string, fenced: boolean): string[] {
  if (!result?.table) return [`${heading}: ${missing}`, ''];
  const table = fenced ? ['```', result.table, '```'] : [result.table];
  return [`### ${heading}`, '', ...explanation, '', ...table, ''];
}
