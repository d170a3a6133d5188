// The scenarios of issue 17's hub, cluster and scale side that came after the first set:
// hub fan-out with history and with presence on, the reconnect-and-recover storm, and the
// scale rows (1k, 10k, 100k idle connections to one server; RSS per connection and the
// time one broadcast takes to reach all of them). suiteScenarios() appends them.

import type { Size } from './options.js';
import type { LoadFigures, SuiteScenario } from './scenarios.js';
import type { ServerName } from './servers.js';

const count = (x: number) => x.toLocaleString('en-US');
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Connections per source address in the scale rows: one address has ~28k ephemeral ports (32768–60999). */
export const PER_SOURCE = 20_000;

export function extraScenarios(size: Size): SuiteScenario[] {
  const n = (full: number, tiny: number) => (size === 'tiny' ? tiny : full);
  const many = (tiny: number) => (size === 'quick' ? 2000 : n(10_000, tiny));
  const base = { saturating: true, idle: false, node: null, target: null };

  // History and presence: Socket.IO has neither, so the ratios are to Volley's plain hub, with Socket.IO on uWS beside it.
  const variant = (kind: 'history' | 'presence', subscribers: number, name: string): SuiteScenario => ({
    ...base, group: 'hub', name, baseline: 'volley-hub', subject: `volley-hub-${kind}`,
    title: `hub fan-out with ${kind === 'history' ? 'history on (1,000 publications kept)' : 'presence on'}, 64 B to ${count(subscribers)} subscribers, 16 in flight` +
      ` (Socket.IO has no ${kind}: ratios to volley-hub plain, socketio-uws beside it)`,
    unit: 'deliveries/s', better: 'higher', servers: ['volley-hub', `volley-hub-${kind}`, 'socketio-uws'],
    go: ['-mode', 'broadcast', '-c', String(subscribers), '-w', '16', '-s', '64'], figure: (f: LoadFigures) => f.perSecond, connections: subscribers + 1,
  });

  const clients = n(1000, 5);
  // 20/s: the 1,000 publications kept cover 50 s, longer than a storm on a busy machine takes (at 50/s some clients fell back).
  const rate = 20;
  const down = size === 'tiny' ? '300ms' : '1s';
  const recover: SuiteScenario = {
    ...base, group: 'hub', name: 'hub-recover-1k', baseline: 'socketio-recover', subject: 'volley-hub-history', saturating: false,
    title: `reconnect-and-recover storm: ${count(clients)} subscribers of a channel with history, ${rate} publications/s, all cut at once (TCP reset),` +
      ` back ${down} later all at once asking for what they missed; time from the cut until the last has recovered with nothing missing`,
    unit: 'ms', better: 'lower', servers: ['volley-hub-history', 'socketio-recover'],
    go: ['-mode', 'recover', '-c', String(clients), '-rate', String(rate), '-s', '64', '-down', down, '-concurrency', String(clients), '-timeout', n(60, 20) + 's'],
    figure: (f: LoadFigures) => num(f.raw?.all_recovered_ms), connections: clients + 1,
    extra: ['recovered', 'fell_back', 'failed', 'retries', 'seq_gaps', 'offset_gaps', 'missed_per_client', 'reconnect_to_all_ms', 'all_recovered_ms', 'all_upgraded_ms'],
  };

  const scale = (full: number, tiny: number, sources: number, name: string): SuiteScenario => {
    const conns = n(full, tiny);
    const from = sources > 1 ? `, from ${sources} source addresses 127.0.0.2–.${sources + 1}` : '';
    return {
      ...base, group: 'scale', name, baseline: 'ws', subject: 'volley', saturating: false, idle: true,
      title: `${count(conns)} idle WebSocket subscribers of one server${from}: server RSS per connection, and one 64 B broadcast to all (time until the last has it, beside)`,
      unit: 'B/conn', better: 'lower', servers: ['volley', 'ws', 'uws'] as ServerName[],
      go: ['-mode', 'scale', '-c', String(conns), '-sources', String(sources), '-rounds', '3', '-s', '64', '-timeout', '60s'],
      figure: (f: LoadFigures) => f.rssPerConnection, connections: conns, raiseFds: true,
      extra: ['broadcast_all_us', 'open_seconds', 'per_second'],
    };
  };

  return [
    variant('history', n(1000, 10), 'hub-fanout-history-1k'),
    variant('history', many(20), 'hub-fanout-history-10k'),
    variant('presence', n(1000, 10), 'hub-fanout-presence-1k'),
    variant('presence', many(20), 'hub-fanout-presence-10k'),
    recover,
    scale(1000, 4, 1, 'scale-1k'),
    scale(10_000, 6, 1, 'scale-10k'),
    // Tiny: a handful of connections, still over two source addresses.
    scale(100_000, 8, size === 'tiny' ? 2 : Math.ceil(100_000 / PER_SOURCE), 'scale-100k'),
  ];
}
