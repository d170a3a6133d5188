// The suite's results as text: the table printed at the end of a run, and the Markdown
// report (written next to the JSON, and into docs/benchmarks.md by bench/report.ts).

import { formatCount } from '../../src/cli/bench/format.js';
import type { MachineInfo } from './machine.js';
import { SERVERS, type ServerName } from './servers.js';
import { meetsTarget, targetCpuRatio, targetRatio, type ScenarioResult } from './stats.js';
import { clusterAddedSection, recoverSection, scaleSection } from './render-extra.js';
import { RATE_WINDOW_SCALE } from './scenarios.js';

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
  options: { reps: number; durationSeconds: number; warmupSeconds: number; workers: number; quick: boolean; size: string; servers: string[]; nodeFlags: string[]; loadgen: 'go' | 'node' };
  machine: MachineInfo;
  /** The command line of the whole run. */
  command: string;
  scenarios: ScenarioResult[];
  hubFanout: ScriptResult | null;
  mqttBridge?: ScriptResult | null;
  gameTick?: ScriptResult | null;
  transportFanout?: ScriptResult | null;
  /** Scenarios this machine could not run (the open-files limit), with the reason. */
  skipped?: string[];
}

/** A figure: thousands separated from 100 up, three significant digits below. */
export function formatFigure(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  return Math.abs(v) >= 100 ? formatCount(Math.round(v)) : Number(v.toPrecision(3)).toString();
}

const ratioText = (r: number | null | undefined) => (r === null || r === undefined ? '—' : `${r.toFixed(2)}x`);
const cpuText = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${Math.round(v)}%`);
const targetText = (r: ScenarioResult) => (r.target ? `${r.better === 'higher' ? '≥' : '≤'} ${r.target.ratio}x ${r.target.of}` : '');
const isLatency = (r: ScenarioResult) => r.unit === 'µs';
const hasWire = (r: ScenarioResult) => Object.values(r.stats).some((s) => s.wireBytes !== null);

function flagText(result: ScenarioResult, name: string): string {
  const s = result.stats[name as ServerName];
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
  return `  ${result.name} rep ${run.rep + 1}/${reps} ${run.server.padEnd(13)} ${formatFigure(run.value).padStart(10)} ${result.unit}` +
    `  loadgen ${cpuText(run.clientCpu).padStart(4)} server ${cpuText(run.serverCpu).padStart(4)} others ${cpuText(run.othersCpu).padStart(4)}` +
    ` (busy before ${run.busyBefore}%)${run.problems.length ? `  [${run.problems.join('; ')}]` : ''}`;
}

export function consoleTable(results: ScenarioResult[]): string {
  const rows = [['scenario', 'server', 'median', 'min–max', 'ratio', 'per CPU-s', 'p50', 'B/delivery', 'loadgen', 'server', 'others', 'flags']];
  for (const result of results) {
    for (const [name, s] of Object.entries(result.stats)) {
      rows.push([
        result.name, name, `${formatFigure(s.median)} ${result.unit}`, `${formatFigure(s.min)}–${formatFigure(s.max)}`,
        `${ratioText(s.ratio)} ${result.baseline}`, s.perCpuRatio !== null ? ratioText(s.perCpuRatio) : '', isLatency(result) ? `${formatFigure(s.p50Us)} µs` : '', s.wireBytes !== null ? formatFigure(s.wireBytes) : '',
        cpuText(s.clientCpu), cpuText(s.serverCpu), cpuText(s.othersCpu), flagText(result, name),
      ]);
    }
  }
  const targets = results.filter((r) => r.target).map((r) => [r.name, r.subject, `${ratioText(targetRatio(r))} ${r.target!.of}`, targetCpuRatio(r) !== null ? ratioText(targetCpuRatio(r)) : '', targetText(r), meetsTarget(r) === null ? '' : meetsTarget(r) ? 'yes' : 'NO']);
  const headroomText = headroomLine(results);
  return `${columns(rows)}

${headroomText ? `${headroomText}\n\n` : ''}${targets.length ? `${columns([['target', 'server', 'measured', 'per CPU-s', 'target', 'met'], ...targets])}\n\n` : ''}ratio: median over the median of the server named (ws for sockets, socketio for the hub).
per CPU-s: the same ratio of figures per second of server CPU time (throughput runs), which
a shared machine disturbs less: it does not depend on the share of its core a server got.
loadgen/server/others: median CPU over the measured window, % of one core: the load
generator, the server, and everything else on the machine (other sessions, the kernel).
Flags count runs: "loadgen saturated" (>90% of its core) or "server idle" (<80% busy in a
throughput run): the figure is bounded by something else than the server; "noisy":
everything else took >30% of a core during the run.`;
}

function figure(result: ScenarioResult, name: ServerName): string {
  const s = result.stats[name];
  if (!s || s.median === null) return '—';
  return s.n > 1 ? `${formatFigure(s.median)} (${formatFigure(s.min)}–${formatFigure(s.max)})` : formatFigure(s.median);
}

function groupTable(results: ScenarioResult[]): string[] {
  const lines = ['| scenario | server | median (min–max) | unit | ratio | per server CPU-s (ratio) | p50 | wire B/delivery | CPU: load / server / others |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of results) {
    const lower = r.better === 'lower' ? ' (lower is better)' : '';
    for (const [name, s] of Object.entries(r.stats)) {
      const first = name === Object.keys(r.stats)[0];
      lines.push(`| ${first ? `**${r.name}**: ${r.title}${lower}` : ''} | ${name === r.subject ? `**${name}**` : name} | ${figure(r, name as ServerName)} | ${r.unit} | ` +
        `${ratioText(s.ratio)} ${r.baseline} | ${s.perCpuSecond !== null ? `${formatFigure(s.perCpuSecond)} (${ratioText(s.perCpuRatio)})` : ''} | ${isLatency(r) ? `${formatFigure(s.p50Us)} µs` : ''} | ${hasWire(r) && s.wireBytes !== null ? formatFigure(s.wireBytes) : ''} | ` +
        `${cpuText(s.clientCpu)} / ${cpuText(s.serverCpu)} / ${cpuText(s.othersCpu)} |`);
    }
  }
  return [...lines, ''];
}

/** The report in Markdown (without a title: it is also embedded in docs/benchmarks.md). */
export function markdownReport(doc: SuiteResults): string {
  const { machine: m, options: o } = doc;
  const lines: string[] = [];
  const smoke = o.size === 'tiny' ? ' (a `--tiny` pipeline check: a handful of connections; the figures mean nothing)'
    : o.quick ? ' (a `--quick` smoke run: single repetition, short runs; do not quote these figures)' : '';
  const loadgen = o.loadgen === 'go' ? `the Go load generator (bench/loadgen, ${m.go ?? 'go'})` : `${o.workers} \`volley bench\` worker process${o.workers > 1 ? 'es' : ''} (no Go: the Node fallback)`;
  lines.push(`Figures from \`npm run bench\` on ${doc.date.slice(0, 10)}, commit ${m.commit}${m.dirty ? ' (with uncommitted changes in src/)' : ''}` +
    ` — ${o.reps} interleaved repetition${o.reps > 1 ? 's' : ''} of ${o.durationSeconds} s measured after ${o.warmupSeconds} s warm-up` +
    `${o.quick || o.size === 'tiny' ? '' : ` (the latency runs at a fixed rate: ${o.durationSeconds * RATE_WINDOW_SCALE} s)`},` +
    ` load from ${loadgen}${smoke}. Command: \`${doc.command}\`. Source: \`${doc.file}\`.`, '');
  lines.push('## Machine', '');
  lines.push(`${m.cores} cores (${m.cpu}), ${m.memGB} GB, Linux ${m.kernel}, Node ${m.node}, fd limit ${m.fdLimit},` +
    ` ${m.pinned ? 'server pinned to core 1, load generator to core 0' : '**not pinned** (no taskset): server and load share the cores'}.` +
    ` Load average at start: ${m.loadavg.join(', ')}. Peers: ${Object.entries(m.peers).map(([k, v]) => `${k} ${v}`).join(', ') || 'none installed'}.`, '');
  lines.push('| server | what it is |', '|---|---|');
  for (const name of o.servers.filter((n) => doc.scenarios.some((r) => r.stats[n as ServerName]))) lines.push(`| ${name} | ${SERVERS[name as ServerName]?.about ?? ''} |`);
  lines.push('');
  const socket = doc.scenarios.filter((r) => r.group === 'socket');
  const hub = doc.scenarios.filter((r) => r.group === 'hub');
  if (socket.length) lines.push('## Socket layer (ratios to ws)', '', ...groupTable(socket));
  if (hub.length) lines.push('## Hub (ratios to Socket.IO default)', '', ...groupTable(hub));
  const cluster = doc.scenarios.filter((r) => r.group === 'cluster');
  if (cluster.length) {
    lines.push('## Cluster: 2 nodes on Redis and on NATS (ratios to Socket.IO with the Redis adapter)', '',
      'The publisher is on the first node, every other subscriber on the second; both nodes share the server core, so server CPU can reach 200%. One node\'s figures: hub-fanout-1k and hub-latency above.', '', ...groupTable(cluster),
      ...clusterAddedSection(doc));
  }
  lines.push(...recoverSection(doc));
  const scale = doc.scenarios.filter((r) => r.group === 'scale');
  if (scale.length) lines.push('## Scale: one server, many idle connections (ratios to ws)', '', ...groupTable(scale), ...scaleSection(doc));
  const targets = doc.scenarios.filter((r) => r.target);
  if (targets.length) {
    lines.push('## Targets (issue 17)', '', 'Met or not on the median ratio; the ratio per second of server CPU beside it (throughput scenarios).', '');
    lines.push('| scenario | measured | per server CPU-s | target | met |', '|---|---|---|---|---|');
    for (const r of targets) {
      const met = meetsTarget(r);
      lines.push(`| ${r.name} | ${r.subject} ${ratioText(targetRatio(r))} ${r.target!.of} | ${targetCpuRatio(r) !== null ? ratioText(targetCpuRatio(r)) : ''} | ${targetText(r)} | ${met === null ? 'not measured' : met ? 'yes' : '**no**'} |`);
    }
    lines.push('');
  }
  lines.push(...hubCost(doc));
  lines.push(...transportCost(doc));
  lines.push(...headroom(doc));
  lines.push(...scriptSection(doc.hubFanout, 'Hub against the bare socket layer, Node subscribers', [
    'A channel publish through the hub (`createServer`, JSON push encoded and framed once) against the same',
    'fan-out on the bare socket layer (`prepareMessage` + `sendPrepared`), by `bench/hub-fanout.mjs`. Its',
    'subscribers are one Node process pinned to the other core; its CPU is the last column: near 100% it,',
    'not the server, bounds the figure (then read the hub/raw ratio). `hub+metrics` is the hub with Prometheus',
    'metrics enabled (docs/operations.md); the hub+metrics/hub ratio is their cost (target: at least 0.95).',
  ], 'not in this run.', false));
  lines.push(...scriptSection(doc.mqttBridge, 'MQTT bridge', [
    'An MQTT client publishes QoS 1 messages to the broker; the bridge (`createServer({ mqtt })`) publishes',
    'each into a channel; a Volley client receives them. Latency is from the MQTT publish call to the',
    'Volley client, at a fixed rate; the rate is messages/s with the bridge as the limit (`bench/mqtt-bridge.mjs`).',
  ], 'not in this run (no MQTT broker reachable, or not selected).', true));
  lines.push(...scriptSection(doc.gameTick, 'Game tick', [
    'Bots (`examples/game-bots.mjs`, one child process) play the Game demo through the Node SDK, 16 to a match;',
    'each match ticks at 20 Hz on the server. Tick jitter is |actual interval between two ticks − 50 ms|,',
    'measured on the server; delivery is from the tick timestamp in a delta to its arrival at a bot (`bench/game-tick.mjs`);',
    'delta size is a match\'s per-tick delta: binary as published, as base64 in the JSON push, and as JSON for comparison.',
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
  lines.push('### The loads', '');
  lines.push('Each run is this command (ADDR and PID: the fresh server\'s, from `bench/servers/`; `-proto` follows the server: `ws`, `volley` or `sio`):', '');
  for (const r of doc.scenarios) lines.push(`- ${r.name}: \`${r.runs[0]?.command ?? ''}\``);
  lines.push('');
  return lines.join('\n');
}

/** What the hub layer costs: Volley's hub fan-out over its bare broadcast at the same size and window. */
function hubCost(doc: SuiteResults): string[] {
  const rows: string[] = [];
  for (const [hub, bare] of [['hub-fanout-1k', 'broadcast-1k-16'], ['hub-fanout-10k', 'broadcast-10k-16']] as const) {
    const h = doc.scenarios.find((r) => r.name === hub)?.stats['volley-hub'];
    const b = doc.scenarios.find((r) => r.name === bare)?.stats.volley;
    if (!h?.median || !b?.median) continue;
    const perCpu = h.perCpuSecond && b.perCpuSecond ? `${(h.perCpuSecond / b.perCpuSecond).toFixed(2)}` : '—';
    rows.push(`| ${hub} / ${bare} | ${formatFigure(h.median)} / ${formatFigure(b.median)} | ${(h.median / b.median).toFixed(2)} | ${perCpu} | ${formatFigure(h.wireBytes)} / ${formatFigure(b.wireBytes)} |`);
  }
  if (rows.length === 0) return [];
  return ['## The hub against the bare socket layer', '',
    "Volley's hub fan-out (volley.v1 push, one channel) over `volley/ws`'s bare broadcast of the same 64 B at the same window, both from this run (target: the hub costs at most 15%, a ratio ≥ 0.85).", '',
    '| scenarios | deliveries/s (hub / bare) | ratio | ratio per server CPU-s | wire B/delivery (hub / bare) |', '|---|---|---|---|---|', ...rows, ''];
}

/** What wss:// and permessage-deflate cost each server: its figure over its own in the plain scenario of the same run. */
function transportCost(doc: SuiteResults): string[] {
  const servers: ServerName[] = ['volley', 'ws', 'ws-bufferutil', 'uws'];
  const rows: string[] = [];
  for (const r of doc.scenarios.filter((x) => /-(wss|deflate)$/.test(x.name))) {
    const plain = doc.scenarios.find((x) => x.name === r.name.replace(/-(wss|deflate)$/, ''));
    if (!plain) continue;
    const cell = (n: ServerName) => {
      const a = r.stats[n];
      const b = plain.stats[n];
      if (!a?.median || !b?.median) return '';
      const perCpu = a.perCpuSecond && b.perCpuSecond ? ` (${(a.perCpuSecond / b.perCpuSecond).toFixed(2)})` : '';
      return `${(a.median / b.median).toFixed(2)}${perCpu}`;
    };
    rows.push(`| ${r.name} / ${plain.name} | ${servers.map(cell).join(' | ')} |`);
  }
  if (rows.length === 0) return [];
  return ['## What wss:// and permessage-deflate cost', '',
    "Each server's median over its own median in the plain scenario of this run (per second of server CPU in brackets); 1.00 is free. The deflate rows also change the payload (JSON-like text instead of 'x' padding or random bytes).", '',
    `| scenarios | ${servers.join(' | ')} |`, `|---|${servers.map(() => '---').join('|')}|`, ...rows, ''];
}

/** Issue 17: the load generator drives the floor at least this much faster than Volley's best figure. */
export const HEADROOM_TARGET = 1.5;

/** The echo scenarios of the headroom line: the target's window (10 in flight) and the deep one (50). */
const HEADROOM_SCENARIOS = ['echo-64', 'echo-64-deep'];

/**
 * The load generator's headroom in one line: the most it drove net-raw (Node writing every chunk
 * back, no parsing: the most the load generator drives through Node) in either echo-64 scenario,
 * over Volley's best run in either, and the load generator's own CPU in those net-raw runs. Null
 * without both.
 */
export function headroomLine(results: ScenarioResult[]): string | null {
  const echoes = results.filter((r) => HEADROOM_SCENARIOS.includes(r.name));
  const echo = echoes.filter((r) => r.stats['net-raw']?.median).sort((a, b) => b.stats['net-raw']!.median! - a.stats['net-raw']!.median!)[0];
  const best = echoes.filter((r) => r.stats.volley?.max).sort((a, b) => b.stats.volley!.max! - a.stats.volley!.max!)[0];
  const raw = echo?.stats['net-raw'];
  const volley = best?.stats.volley;
  if (!echo || !best || !raw?.median || !volley?.max) return null;
  const ratio = raw.median / volley.max;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const rawRuns = echo.runs.filter((r) => r.server === 'net-raw');
  const cpu = rawRuns.filter((r) => r.clientCpu !== null).map((r) => r.clientCpu!);
  const floorCpu = rawRuns.filter((r) => r.serverCpu !== null).map((r) => r.serverCpu!);
  // Short of the target, say what bound the figure: net-raw's own core when it was busy, else its share of the machine.
  const floorBound = ratio < HEADROOM_TARGET && floorCpu.length > 0 && median(floorCpu) >= 90;
  const cpuNote = (cpu.length ? `; the load generator's CPU in those runs: ${cpuText(median(cpu))} of its core (median), ${cpuText(Math.max(...cpu))} at most` +
    (!floorBound && Math.max(...cpu) < 90 && ratio < HEADROOM_TARGET ? ', under 90% of its core: net-raw\'s share of the machine, not the load generator, bounded that figure' : '') : '') +
    (floorBound ? `; net-raw itself was at ${cpuText(median(floorCpu))} of its core (median): the floor, not the load generator, bounded that figure` : '');
  // The same per second of CPU, which a shared machine disturbs less: echoes per second of the
  // load generator's own CPU against net-raw, over Volley's best per second of server CPU.
  const loadPerCpu = rawRuns.filter((r) => r.value !== null && (r.clientCpu ?? 0) > 1).map((r) => r.value! / (r.clientCpu! / 100)).sort((a, b) => a - b);
  const volleyPerCpu = echoes.flatMap((r) => r.runs).filter((r) => r.server === 'volley' && r.perCpuSecond !== null).map((r) => r.perCpuSecond!);
  const perCpuRatio = loadPerCpu.length && volleyPerCpu.length ? loadPerCpu[loadPerCpu.length >> 1]! / Math.max(...volleyPerCpu) : null;
  const cpuRatio = perCpuRatio !== null ? ` Per second of CPU: the load generator drove ${formatFigure(loadPerCpu[loadPerCpu.length >> 1])} echoes per second of its own CPU against net-raw,` +
    ` ${perCpuRatio.toFixed(2)}x the most Volley answered per second of server CPU (${formatFigure(Math.max(...volleyPerCpu))}): ${perCpuRatio >= HEADROOM_TARGET ? 'met' : 'NOT met'} per CPU-second.` : '';
  return `load generator headroom (issue 17: ≥ ${HEADROOM_TARGET}x): ${echo.name} against net-raw ${formatFigure(raw.median)} msg/s = ${ratio.toFixed(2)}x Volley's best echo-64 run` +
    ` (${formatFigure(volley.max)} msg/s${echoes.length > 1 ? ` in ${best.name}` : ''}, median ${formatFigure(volley.median)}): ${ratio >= HEADROOM_TARGET ? 'met' : 'NOT met'}${cpuNote}.${cpuRatio}`;
}

/** How far the load generator is from being the limit: net-raw's and net's echo against Volley's best, and its own CPU. */
function headroom(doc: SuiteResults): string[] {
  const echo = doc.scenarios.find((r) => r.name === 'echo-64');
  const net = echo?.stats.net?.median;
  const best = echo ? Math.max(...(['volley', 'ws', 'ws-bufferutil', 'uws'] as ServerName[]).map((n) => echo.stats[n]?.median ?? 0)) : 0;
  const loadCpu = doc.scenarios.filter((r) => !r.idle).flatMap((r) => r.runs.map((x) => x.clientCpu)).filter((v): v is number => v !== null);
  const lines = ['## The load generator\'s headroom', ''];
  const raw = headroomLine(doc.scenarios);
  if (raw) lines.push(`**Load generator headroom**${raw.slice('load generator headroom'.length)}`, '');
  if (echo && net && best) {
    lines.push(`echo-64: the load generator drove the \`node:net\` floor at ${formatFigure(net)} msg/s (its CPU ${cpuText(echo.stats.net?.clientCpu)}),` +
      ` ${(net / (echo.stats.volley?.median ?? best)).toFixed(2)}x Volley's ${formatFigure(echo.stats.volley?.median)} msg/s and ${(net / best).toFixed(2)}x the best WebSocket server's ${formatFigure(best)}` +
      ` (its CPU when loading Volley: ${cpuText(echo.stats.volley?.clientCpu)}).`);
  }
  if (echo) {
    // What each side spends per message: a figure per second of its own CPU time, which a shared machine disturbs less.
    const perCpu = (server: ServerName, cpu: 'clientCpu' | 'serverCpu') => {
      const xs = echo.runs.filter((r) => r.server === server && r.value !== null && (r[cpu] ?? 0) > 1).map((r) => r.value! / (r[cpu]! / 100)).sort((a, b) => a - b);
      return xs.length ? xs[xs.length >> 1]! : null;
    };
    const loadgenCap = perCpu('volley', 'clientCpu');
    const volleyCap = perCpu('volley', 'serverCpu');
    const netLoad = perCpu('net', 'clientCpu');
    const rawLoad = perCpu('net-raw', 'clientCpu');
    if (loadgenCap && volleyCap) {
      lines.push(`Per second of its own CPU the load generator handled ${formatFigure(loadgenCap)} echoes loading Volley${netLoad ? ` (${formatFigure(netLoad)} loading net` : ''}${rawLoad ? `${netLoad ? ',' : ' ('} ${formatFigure(rawLoad)} loading net-raw` : ''}${netLoad || rawLoad ? ')' : ''},` +
        ` where Volley handled ${formatFigure(volleyCap)} per second of server CPU: one core of the load generator drives ${(loadgenCap / volleyCap).toFixed(2)}x what one core of Volley can answer.`);
    }
  }
  if (loadCpu.length) {
    const saturated = doc.scenarios.flatMap((r) => r.runs).filter((x) => x.problems.includes('loadgen saturated')).length;
    lines.push(`The load generator's CPU over the measured windows: median ${cpuText([...loadCpu].sort((a, b) => a - b)[loadCpu.length >> 1])}, at most ${cpuText(Math.max(...loadCpu))} of one core` +
      ` (idle-connection runs aside); ${saturated ? `saturated (>90%) in ${saturated} of ${loadCpu.length} runs: those figures measure the load generator` : 'never saturated'}.`);
  }
  return lines.length > 2 ? [...lines, ''] : [];
}

/** The report's section for a scenario run as a script of its own: its explanation and what it printed. */
function scriptSection(result: ScriptResult | null | undefined, heading: string, explanation: string[], missing: string, fenced: boolean): string[] {
  if (!result?.table) return [`${heading}: ${missing}`, ''];
  const table = fenced ? ['```', result.table, '```'] : [result.table];
  return [`### ${heading}`, '', ...explanation, '', ...table, ''];
}
