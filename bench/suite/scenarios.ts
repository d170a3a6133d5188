// The scenarios of `npm run bench`. Each load is a `volley bench` command line (after the
// URL), so any run can be repeated by hand against a server of your own; the figure is read
// from volley bench's summary or, for memory, from the server process.

import type { ScenarioName } from '../../src/cli/bench/ipc.js';
import type { BenchSummary } from '../../src/cli/bench/report.js';
import type { Size } from './options.js';

export type ServerName = 'volley' | 'ws' | 'net';

/** What one run measured: the load generator's summary and the server process's side. */
export interface RunFigures {
  summary: BenchSummary;
  /** Server RSS growth from before the load to the end of the window, in bytes. */
  serverRssGrowth: number | null;
}

export interface SuiteScenario {
  name: string;
  title: string;
  /** volley bench's scenario: what the load does. */
  kind: ScenarioName;
  /** The other `volley bench` flags of the load (--warmup, --duration and --workers are added). */
  load: string[];
  figure: (run: RunFigures) => number | null;
  unit: string;
  better: 'higher' | 'lower';
  /** Volley's target ratio to ws (issue 8's, kept for comparison between reports). */
  target: number;
  /** A throughput run: the server should be busy for the whole window, or the load was the limit. */
  saturating: boolean;
  servers: ServerName[];
  /** Connections held open at once (on each side): a file descriptor each. */
  connections: number;
}

const perSecond = ({ summary }: RunFigures) => summary.perSecond;
const megabytesPerSecond = ({ summary }: RunFigures) => summary.mbPerSecond;
const ALL: ServerName[] = ['volley', 'ws', 'net'];
/** net is an echo floor: it has no /pub and /sub. */
const WEBSOCKET_SERVERS: ServerName[] = ['volley', 'ws'];

export function suiteScenarios(size: Size): SuiteScenario[] {
  // The tiny size keeps every scenario but with a few connections: it tests the pipeline.
  const n = (full: number, tiny: number) => (size === 'tiny' ? tiny : full);
  // --quick opens 2,000 connections where the full run opens 10,000: opening them takes most of its time.
  const many = (tiny: number) => (size === 'quick' ? 2000 : n(10_000, tiny));
  const echo = (name: string, title: string, conns: number, inFlight: number, bytes: number, binary: boolean, target: number): SuiteScenario => ({
    name, title, target, unit: binary ? 'MB/s' : 'msg/s', better: 'higher', saturating: true, servers: ALL, kind: 'echo',
    load: ['--connections', String(conns), '--in-flight', String(inFlight), '--size', String(bytes), ...(binary ? ['--binary'] : [])],
    figure: binary ? megabytesPerSecond : perSecond, connections: conns,
  });
  const broadcast = (name: string, subscribers: number, target: number): SuiteScenario => ({
    name, title: `broadcast 64 B to ${subscribers.toLocaleString('en-US')} subscribers, 4 in flight`, target,
    unit: 'deliveries/s', better: 'higher', saturating: true, servers: WEBSOCKET_SERVERS, kind: 'broadcast',
    load: ['--connections', String(subscribers), '--in-flight', '4', '--size', '64'],
    figure: perSecond, connections: subscribers + 1,
  });
  const idleConnections = many(20);
  return [
    echo('echo-64', `echo, 64 B text, ${n(100, 4)} conns x 10 in flight`, n(100, 4), 10, 64, false, 3),
    echo('echo-16k', `echo, 16 KiB binary, ${n(50, 2)} x 4`, n(50, 2), 4, 16384, true, 2.5),
    echo('echo-1m', `echo, 1 MiB binary, ${n(4, 1)} x 1`, n(4, 1), 1, 1 << 20, true, 1.5),
    broadcast('broadcast-1k', n(1000, 10), 5),
    broadcast('broadcast-10k', many(20), 5),
    {
      name: 'broadcast-1k-p99', title: `p99 latency, broadcast to ${n(1000, 10).toLocaleString('en-US')} subscribers at 20 msg/s`,
      kind: 'broadcast',
      load: ['--connections', String(n(1000, 10)), '--rate', '20', '--size', '64'],
      figure: ({ summary }) => (summary.completed > 0 ? summary.latencyMs.p99 * 1000 : null), unit: 'µs',
      better: 'lower', target: 0.7, saturating: false, servers: WEBSOCKET_SERVERS, connections: n(1000, 10) + 1,
    },
    {
      name: 'connect', title: 'connect + handshake + one echo + close, 64 at once',
      kind: 'connect',
      load: ['--in-flight', String(n(64, 4)), '--size', '64'],
      figure: perSecond, unit: 'conn/s', better: 'higher', target: 2, saturating: true, servers: ALL, connections: n(64, 4),
    },
    {
      name: 'idle-10k', title: `${idleConnections.toLocaleString('en-US')} idle connections, server RSS per connection`,
      kind: 'idle',
      load: ['--connections', String(idleConnections)],
      figure: ({ summary, serverRssGrowth }) =>
        serverRssGrowth === null || summary.connectionsOk === 0 ? null : Math.round(serverRssGrowth / summary.connectionsOk),
      unit: 'B/conn', better: 'lower', target: 0.7, saturating: false, servers: ALL, connections: idleConnections,
    },
  ];
}

/** The hub's fan-out runs as bench/hub-fanout.mjs (its subscribers speak the hub protocol). */
export const HUB_FANOUT = 'hub-fanout';

/** The MQTT bridge's latency and rate run as bench/mqtt-bridge.mjs, when a broker answers. */
export const MQTT_BRIDGE = 'mqtt-bridge';

/** The Game demo with bots (tick jitter and state delivery) runs as bench/game-tick.mjs. */
export const GAME_TICK = 'game-tick';
/** Fan-out to 1,000 subscribers over WebSocket, SSE and long-polling runs as bench/transport-fanout.mjs. */
export const TRANSPORT_FANOUT = 'transport-fanout';
/** Where that broker is: VOLLEY_BENCH_MQTT_URL, else the local Mosquitto. */
export const MQTT_URL = process.env.VOLLEY_BENCH_MQTT_URL || 'mqtt://127.0.0.1:1883';
