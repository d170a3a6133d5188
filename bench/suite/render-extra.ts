// The report's sections for the hub, cluster and scale rows that need more than one figure
// per run: the reconnect-and-recover storm (recovered, fell back, gaps), the scale rows'
// growth from 1k to 10k to 100k connections, and what the second node of a cluster adds
// to one node's p99 and deliveries/s. markdownReport (render.ts) calls these.

import { formatFigure, type SuiteResults } from './render.js';
import { SERVERS, type ServerName } from './servers.js';
import { median, type ScenarioResult } from './stats.js';

/** The median over a server's runs of one of the scenario's extra figures. */
function extraMedian(result: ScenarioResult, server: string, key: string): number | null {
  const xs = result.runs.filter((r) => r.server === server).map((r) => r.extra?.[key]).filter((v): v is number => typeof v === 'number');
  return median(xs);
}

function extraSum(result: ScenarioResult, server: string, key: string): number | null {
  const xs = result.runs.filter((r) => r.server === server).map((r) => r.extra?.[key]).filter((v): v is number => typeof v === 'number');
  return xs.length ? xs.reduce((a, b) => a + b, 0) : null;
}

const ms = (v: number | null) => (v === null ? '—' : `${formatFigure(v)} ms`);

/** The reconnect-and-recover storm: per server, how long and how many recovered. */
export function recoverSection(doc: SuiteResults): string[] {
  const r = doc.scenarios.find((s) => s.name === 'hub-recover-1k');
  if (!r) return [];
  const rows = Object.keys(r.stats).map((server) => {
    const runs = r.runs.filter((x) => x.server === server).length;
    return `| ${server} | ${ms(extraMedian(r, server, 'all_recovered_ms'))} | ${ms(extraMedian(r, server, 'reconnect_to_all_ms'))} | ${ms(extraMedian(r, server, 'all_upgraded_ms'))} | ${r.stats[server as ServerName]?.p50Us != null ? ms(r.stats[server as ServerName]!.p50Us! / 1000) : '—'} | ` +
      `${formatFigure(extraSum(r, server, 'recovered'))} / ${formatFigure(extraSum(r, server, 'fell_back'))} / ${formatFigure(extraSum(r, server, 'failed'))} (${formatFigure(extraSum(r, server, 'retries'))} retried) | ` +
      `${formatFigure(extraSum(r, server, 'seq_gaps'))} / ${server.startsWith('volley') ? formatFigure(extraSum(r, server, 'offset_gaps')) : 'n/a'} | ${formatFigure(extraMedian(r, server, 'missed_per_client'))} | ${runs} |`;
  });
  return ['## Reconnect-and-recover storm', '',
    'Every client is cut at once (its TCP connection reset), the publisher goes on, and all of them reconnect at once asking for what they missed:',
    'volley.v1 `subscribe` with `since: {offset, epoch}` (a namespace keeping 1,000 publications), Socket.IO a CONNECT with its session `pid` and last',
    'event offset (`connectionStateRecovery`). A client has recovered when the reply says so (`recovered: true`; Socket.IO: its old socket id back) and it',
    'holds every publication sent before it reconnected; offsets (volley.v1) and the payloads\' sequence numbers (both) are checked to follow on without a gap',
    'across the cut and for the measured time after. "Fell back": the reply said the position could not be recovered (the client would reload its state);',
    '"failed": no recovery within the time limit (a refused or reset handshake is retried after 250 ms, as a client library would, and counted).',
    '"Reconnect → all upgraded" is when the last WebSocket upgrade completed: connections beyond the listen backlog wait for the kernel\'s SYN',
    'retransmission (1 s, then 3 s, ...), and that, not the recovery, can be the tail.', '',
    '| server | cut → all recovered (median) | reconnect → all recovered | reconnect → all upgraded | cut → recovered, p50 client | recovered / fell back / failed (all runs) | gaps: sequence / offset | missed per client | runs |',
    '|---|---|---|---|---|---|---|---|---|', ...rows, ''];
}

/** How server memory and broadcast time grow from 1k to 10k to 100k connections. */
export function scaleSection(doc: SuiteResults): string[] {
  const names = ['scale-1k', 'scale-10k', 'scale-100k'];
  const results = names.map((n) => doc.scenarios.find((s) => s.name === n));
  if (results.every((r) => !r)) return [];
  const servers = [...new Set(results.flatMap((r) => (r ? Object.keys(r.stats) : [])))];
  const head = names.map((n, i) => (results[i] ? n.replace('scale-', '') : `${n.replace('scale-', '')} (not run)`));
  const rows = servers.map((server) => {
    const cells = results.map((r) => {
      const s = r?.stats[server as ServerName];
      if (!r || !s) return '— | —';
      const b = extraMedian(r, server, 'broadcast_all_us');
      return `${formatFigure(s.median)} | ${b === null ? '—' : ms(b / 1000)}`;
    });
    return `| ${server} | ${cells.join(' | ')} |`;
  });
  const lines = ['### Scale: growth from 1k to 10k to 100k connections', '',
    'Server RSS growth per idle connection (B/conn) and the time from sending one 64 B broadcast until the last subscriber has it (median of 3 in each run,',
    'median over the runs). The load generator spreads the connections over source addresses 127.0.0.2, .3, ... (one address has ~28k ephemeral ports)',
    'and raises its own open-files limit; the server\'s is raised with prlimit. Both need root with CAP_SYS_RESOURCE past the hard limit.', '',
    `| server | ${head.map((h) => `${h}: B/conn | ${h}: broadcast`).join(' | ')} |`, `|---|${head.map(() => '---|---|').join('')}`, ...rows, ''];
  for (const line of doc.skipped ?? []) if (names.some((n) => line.startsWith(`${n}:`))) lines.push(`Skipped: ${line}.`, '');
  return lines;
}

/** What the second node adds: a cluster row's p99 and deliveries/s against one node's (hub-latency, hub-fanout-1k) in the same run. */
export function clusterAddedSection(doc: SuiteResults): string[] {
  const pairs: Array<[string, string]> = [['cluster-latency', 'hub-latency'], ['cluster-fanout-1k', 'hub-fanout-1k']];
  const rows: string[] = [];
  for (const [clusterName, singleName] of pairs) {
    const c = doc.scenarios.find((s) => s.name === clusterName);
    const one = doc.scenarios.find((s) => s.name === singleName);
    if (!c || !one) continue;
    for (const [server, s] of Object.entries(c.stats)) {
      const single = SERVERS[server as ServerName]?.single;
      const o = single ? one.stats[single] : undefined;
      if (!single || !o || s.median === null || o.median === null) continue;
      const d = s.median - o.median;
      const diff = clusterName === 'cluster-latency' ? `${d >= 0 ? '+' : '−'}${formatFigure(Math.abs(d) / 1000)} ms` : '';
      rows.push(`| ${clusterName === 'cluster-latency' ? 'p99 at 20 msg/s' : 'deliveries/s'} | ${server} | ${single} | ${formatFigure(o.median)} ${c.unit} | ${formatFigure(s.median)} ${c.unit} | ${diff} | ${(s.median / o.median).toFixed(2)}x |`);
    }
  }
  if (rows.length === 0) return [];
  return ['### What the second node adds', '',
    'Each cluster row against the same server on one node (hub-latency, hub-fanout-1k) in this run: medians, the p99 added by going through the engine, and the ratio.', '',
    '| figure | cluster | one node | one node | cluster | added | cluster / one node |', '|---|---|---|---|---|---|---|', ...rows, ''];
}
