// The scenarios of `npm run bench`. Each load is a command line of the Go load generator
// (bench/loadgen, after -addr) and, where the Node fallback can do it, of `volley bench`
// (after the URL), so any run can be repeated by hand against a server of your own.

import type { ScenarioName } from '../../src/cli/bench/ipc.js';
import type { Size } from './options.js';
import type { ServerName } from './servers.js';
import { extraScenarios } from './scenarios-extra.js';

/** What one run measured, from either load generator. */
export interface LoadFigures {
  perSecond: number | null;
  mbPerSecond: number | null;
  /** Everything the load generator printed (the Go one), for the figures of the newer modes. */
  raw?: Record<string, unknown>;
  p50Us: number | null;
  p99Us: number | null;
  rssPerConnection: number | null;
  wireBytesPerDelivery: number | null;
}

export interface Target {
  /** The server Volley's figure is divided by. */
  of: ServerName;
  /** The bound of that ratio (at least when higher is better, at most when lower is). */
  ratio: number;
}

export interface SuiteScenario {
  name: string;
  title: string;
  group: 'socket' | 'hub' | 'cluster' | 'scale';
  /** Ratios in the table are to this server's median (ws for the socket layer, Socket.IO for the hub). */
  baseline: ServerName;
  /** The Volley server whose figure meets the target. */
  subject: ServerName;
  /** Issue 17's target for the subject. */
  target: Target | null;
  /** Go load generator flags (-addr, -pid, -proto, -d and -warmup are added). */
  go: string[];
  /** The same load for volley bench (the fallback without Go), when it can do it. */
  node: { kind: ScenarioName; load: string[] } | null;
  figure: (f: LoadFigures) => number | null;
  unit: string;
  better: 'higher' | 'lower';
  /** A throughput run: the server should be busy for the whole window, or the load was the limit. */
  saturating: boolean;
  /** Memory scenario: no warm-up, the figure is read from the server's RSS. */
  idle: boolean;
  servers: ServerName[];
  /** Connections held open at once (on each side): a file descriptor each. */
  connections: number;
  /** Environment for the server (wss:// and permessage-deflate scenarios: BENCH_TLS=1, BENCH_DEFLATE=1; bench/servers/transport.mjs). */
  serverEnv?: Record<string, string>;
  /** More connections than the default open-files limit: raised for the server (prlimit) and the load generator, or skipped. */
  raiseFds?: boolean;
  /**
   * The measured window is this many times --duration (default 1). A latency run at a fixed 20
   * publications a second holds only 40 publications in the default 2 s, and its p99 is then
   * the worst one or two of them: those runs measure 5x longer.
   */
  windowScale?: number;
  /** Numeric fields of the load generator's result kept with each run (RunRecord.extra) for the report. */
  extra?: string[];
}

const perSecond = (f: LoadFigures) => f.perSecond;
const megabytesPerSecond = (f: LoadFigures) => f.mbPerSecond;
const p99 = (f: LoadFigures) => f.p99Us;
const rss = (f: LoadFigures) => f.rssPerConnection;
/** windowScale of the fixed-rate latency scenarios (SuiteScenario.windowScale). */
export const RATE_WINDOW_SCALE = 5;

const ECHO_SERVERS: ServerName[] = ['volley', 'ws', 'ws-bufferutil', 'uws', 'net'];
/** The echo throughput scenarios add net-raw, the floor with no parsing at all (the load generator's headroom). */
const FLOOR_ECHO_SERVERS: ServerName[] = [...ECHO_SERVERS, 'net-raw'];
const BROADCAST_SERVERS: ServerName[] = ['volley', 'ws', 'ws-bufferutil', 'uws'];
/** The plain broadcasts add net, the floor for Node (one unmasking, one write per subscriber); not over wss:// or deflate, which it does not speak. */
const FLOOR_BROADCAST_SERVERS: ServerName[] = [...BROADCAST_SERVERS, 'net'];
const HUB_SERVERS: ServerName[] = ['volley-hub', 'socketio', 'socketio-uws'];
const CLUSTER_SERVERS: ServerName[] = ['volley-hub-redis', 'volley-hub-nats', 'socketio-redis'];

/** The scenarios --quick runs (a subset, so that it finishes in under two minutes). */
const QUICK = new Set(['echo-64', 'echo-64-deep', 'broadcast-10k-16', 'connect', 'idle-10k', 'hub-fanout-10k', 'hub-latency', 'hub-idle-10k']);

export function suiteScenarios(size: Size): SuiteScenario[] {
  // The tiny size keeps every scenario but with a few connections: it tests the pipeline.
  const n = (full: number, tiny: number) => (size === 'tiny' ? tiny : full);
  // --quick opens 2,000 connections where the full run opens 10,000: opening them takes most of its time.
  const many = (tiny: number) => (size === 'quick' ? 2000 : n(10_000, tiny));
  const count = (x: number) => x.toLocaleString('en-US');
  const base = { group: 'socket' as const, baseline: 'ws' as ServerName, subject: 'volley' as ServerName, saturating: true, idle: false };
  const echo = (name: string, conns: number, inFlight: number, bytes: number, binary: boolean, target: number): SuiteScenario => ({
    ...base, name, title: `echo, ${bytes >= 1 << 20 ? '1 MiB' : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`} ${binary ? 'binary' : 'text'}, ${conns} conns x ${inFlight} in flight`,
    target: { of: 'ws', ratio: target }, unit: binary ? 'MB/s' : 'msg/s', better: 'higher', servers: FLOOR_ECHO_SERVERS,
    go: ['-mode', 'echo', '-c', String(conns), '-w', String(inFlight), '-s', String(bytes), ...(binary ? ['-binary'] : [])],
    node: { kind: 'echo', load: ['--connections', String(conns), '--in-flight', String(inFlight), '--size', String(bytes), ...(binary ? ['--binary'] : [])] },
    figure: binary ? megabytesPerSecond : perSecond, connections: conns,
  });
  const broadcast = (name: string, subscribers: number, inFlight: number): SuiteScenario => ({
    ...base, name,
    title: `broadcast 64 B to ${count(subscribers)} subscribers, ${inFlight} in flight`,
    target: { of: 'uws', ratio: 0.9 }, unit: 'deliveries/s', better: 'higher', servers: FLOOR_BROADCAST_SERVERS,
    go: ['-mode', 'broadcast', '-c', String(subscribers), '-w', String(inFlight), '-s', '64'],
    node: { kind: 'broadcast', load: ['--connections', String(subscribers), '--in-flight', String(inFlight), '--size', '64'] },
    figure: perSecond, connections: subscribers + 1,
  });
  const hubFanout = (subscribers: number, name: string): SuiteScenario => ({
    ...base, group: 'hub', baseline: 'socketio', subject: 'volley-hub', name,
    title: `hub fan-out, 64 B to ${count(subscribers)} subscribers of one channel/room, 16 in flight`,
    target: { of: 'socketio-uws', ratio: 1 }, unit: 'deliveries/s', better: 'higher', servers: HUB_SERVERS,
    go: ['-mode', 'broadcast', '-c', String(subscribers), '-w', '16', '-s', '64'], node: null, figure: perSecond, connections: subscribers + 1,
  });
  // The same echo or broadcast over wss:// (-tls; the bench's self-signed certificate), or with
  // permessage-deflate on (-deflate: no context takeover either way, every message compressed
  // by every server) and JSON-like text so that there is something to compress, the same for
  // every server. No target in issue 17; ratios to ws as the other socket rows. Go load only.
  const over = (s: SuiteScenario, kind: 'wss' | 'deflate'): SuiteScenario => ({
    ...s, name: `${s.name}-${kind}`, target: null, node: null, servers: BROADCAST_SERVERS,
    title: kind === 'wss' ? `${s.title}, over wss:// (TLS)` : `${s.title}, JSON-like payload, permessage-deflate on`,
    go: kind === 'wss' ? [...s.go, '-tls'] : [...s.go, '-deflate', '-payload', 'json'],
    serverEnv: kind === 'wss' ? { BENCH_TLS: '1' } : { BENCH_DEFLATE: '1' },
  });
  const echo64 = echo('echo-64', n(100, 4), 10, 64, false, 5.5);
  // The same echo with 50 in flight: every read carries more frames, so each side's cost per
  // message falls towards its parsing alone. No target; it shows how far the load generator
  // drives the floor beyond any Volley figure (the report's headroom line).
  const echo64Deep: SuiteScenario = { ...echo('echo-64-deep', n(100, 4), 50, 64, false, 0), target: null };
  const echo16k = echo('echo-16k', n(50, 2), 4, 16384, true, 4.5);
  const broadcast1k16 = broadcast('broadcast-1k-16', n(1000, 10), 16);
  const scenarios: SuiteScenario[] = [
    echo64,
    echo64Deep,
    echo16k,
    echo('echo-1m', n(4, 1), 1, 1 << 20, true, 4),
    broadcast('broadcast-1k-4', n(1000, 10), 4),
    broadcast1k16,
    broadcast('broadcast-10k-4', many(20), 4),
    broadcast('broadcast-10k-16', many(20), 16),
    {
      ...base, name: 'broadcast-p99', title: `p99 latency, broadcast 64 B to ${count(n(1000, 10))} subscribers at 20 msg/s`,
      target: { of: 'ws', ratio: 0.7 }, unit: 'µs', better: 'lower', saturating: false, servers: BROADCAST_SERVERS,
      go: ['-mode', 'broadcast', '-c', String(n(1000, 10)), '-rate', '20', '-s', '64'],
      node: { kind: 'broadcast', load: ['--connections', String(n(1000, 10)), '--rate', '20', '--size', '64'] },
      figure: p99, connections: n(1000, 10) + 1, windowScale: RATE_WINDOW_SCALE,
    },
    {
      ...base, name: 'echo-p99', title: 'p99 latency, echo 64 B, 1 connection x 1 in flight',
      target: { of: 'ws', ratio: 0.9 }, unit: 'µs', better: 'lower', saturating: false, servers: ECHO_SERVERS,
      go: ['-mode', 'echo', '-c', '1', '-w', '1', '-s', '64'],
      node: { kind: 'echo', load: ['--connections', '1', '--in-flight', '1', '--size', '64'] },
      figure: p99, connections: 1,
    },
    {
      ...base, name: 'connect', title: `handshakes: connect + upgrade + one echo + close, ${n(64, 4)} at once`,
      target: { of: 'ws', ratio: 2.5 }, unit: 'conn/s', better: 'higher', servers: ECHO_SERVERS,
      go: ['-mode', 'connect', '-concurrency', String(n(64, 4))],
      node: { kind: 'connect', load: ['--in-flight', String(n(64, 4)), '--size', '64'] },
      figure: perSecond, connections: n(64, 4),
    },
    {
      ...base, name: 'idle-10k', title: `${count(many(20))} idle connections, server RSS per connection`,
      target: { of: 'ws', ratio: 0.7 }, unit: 'B/conn', better: 'lower', saturating: false, idle: true, servers: ECHO_SERVERS,
      go: ['-mode', 'idle', '-c', String(many(20))], node: { kind: 'idle', load: ['--connections', String(many(20))] },
      figure: rss, connections: many(20),
    },
    over(echo64, 'wss'),
    over(echo16k, 'wss'),
    over(broadcast1k16, 'wss'),
    over(echo64, 'deflate'),
    over(echo16k, 'deflate'),
    over(broadcast1k16, 'deflate'),
    hubFanout(n(1000, 10), 'hub-fanout-1k'),
    hubFanout(many(20), 'hub-fanout-10k'),
    {
      ...base, group: 'hub', baseline: 'socketio', subject: 'volley-hub', name: 'hub-latency',
      title: `hub publish → deliver p99 (p50 beside it), 64 B to ${count(n(1000, 10))} subscribers at 20 msg/s`,
      target: { of: 'socketio', ratio: 0.8 }, unit: 'µs', better: 'lower', saturating: false, servers: HUB_SERVERS,
      go: ['-mode', 'broadcast', '-c', String(n(1000, 10)), '-rate', '20', '-s', '64'], node: null, figure: p99, connections: n(1000, 10) + 1, windowScale: RATE_WINDOW_SCALE,
    },
    {
      ...base, group: 'hub', baseline: 'socketio', subject: 'volley-hub', name: 'hub-idle-10k',
      title: `${count(many(20))} idle hub connections with one subscription each, server RSS per connection`,
      target: { of: 'socketio', ratio: 0.3 }, unit: 'B/conn', better: 'lower', saturating: false, idle: true, servers: HUB_SERVERS,
      go: ['-mode', 'idle', '-c', String(many(20))], node: null, figure: rss, connections: many(20),
    },
    // Two nodes on Redis (and on NATS): the publisher on the first, every other subscriber on the second;
    // read against hub-fanout-1k and hub-latency (one node).
    {
      ...base, group: 'cluster', baseline: 'socketio-redis', subject: 'volley-hub-redis', name: 'cluster-fanout-1k', target: null,
      title: `cluster of 2 nodes on Redis or NATS, fan-out 64 B to ${count(n(1000, 10))} subscribers (half on each node), 16 in flight`,
      unit: 'deliveries/s', better: 'higher', servers: CLUSTER_SERVERS,
      go: ['-mode', 'broadcast', '-c', String(n(1000, 10)), '-w', '16', '-s', '64'], node: null, figure: perSecond, connections: n(1000, 10) + 1,
    },
    {
      ...base, group: 'cluster', baseline: 'socketio-redis', subject: 'volley-hub-redis', name: 'cluster-latency', target: null, saturating: false,
      title: `cluster of 2 nodes on Redis or NATS, publish → deliver p99 (p50 beside it), 64 B to ${count(n(1000, 10))} subscribers at 20 msg/s`,
      unit: 'µs', better: 'lower', servers: CLUSTER_SERVERS,
      go: ['-mode', 'broadcast', '-c', String(n(1000, 10)), '-rate', '20', '-s', '64'], node: null, figure: p99, connections: n(1000, 10) + 1, windowScale: RATE_WINDOW_SCALE,
    },
    ...extraScenarios(size),
  ];
  return size === 'quick' ? scenarios.filter((s) => QUICK.has(s.name)) : scenarios;
}

/** The hub's fan-out against the bare socket layer runs as bench/hub-fanout.mjs (Node subscribers, same process). */
export const HUB_FANOUT = 'hub-fanout';

/** The MQTT bridge's latency and rate run as bench/mqtt-bridge.mjs, when a broker answers. */
export const MQTT_BRIDGE = 'mqtt-bridge';

/** The Game demo with bots (tick jitter and state delivery) runs as bench/game-tick.mjs. */
export const GAME_TICK = 'game-tick';
/** Fan-out to 1,000 subscribers over WebSocket, SSE and long-polling runs as bench/transport-fanout.mjs. */
export const TRANSPORT_FANOUT = 'transport-fanout';
/** Where that broker is: VOLLEY_BENCH_MQTT_URL, else the local Mosquitto. */
export const MQTT_URL = process.env.VOLLEY_BENCH_MQTT_URL || 'mqtt://127.0.0.1:1883';
