// The peer servers (bench/servers/*.mjs): one fresh process per run, pinned to the server
// core, on a free port it names in its ready line.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVER_CORE } from './machine.js';

export type ServerName = 'volley' | 'ws' | 'ws-bufferutil' | 'uws' | 'net' | 'net-raw' | 'volley-hub' | 'socketio' | 'socketio-uws' | 'volley-hub-redis' | 'socketio-redis'
  | 'volley-hub-history' | 'volley-hub-presence' | 'volley-hub-nats' | 'socketio-recover';

export interface ServerSpec {
  script: string;
  env?: Record<string, string>;
  /** Needs the packages of bench/peers (ws alone falls back to the project's dev dependency). */
  peers: boolean;
  /** The protocol the load speaks to it: raw WebSocket, volley.v1, Socket.IO. */
  proto: 'ws' | 'volley' | 'sio';
  /** What it is, for the report. */
  about: string;
  /** Load generator flags this server needs (net-raw: -masked, it returns the client's masked frames). */
  loadgen?: string[];
  /** A cluster node: two are started per run, sharing the engine at `url` under `key` (the environment for it). */
  cluster?: (url: string, key: string) => Record<string, string>;
  /** The cluster's engine (default redis): which URL `cluster` gets. */
  engine?: 'redis' | 'nats';
  /** A cluster's one-node counterpart, for the cost of the second node. */
  single?: ServerName;
}

export const SERVERS: Record<ServerName, ServerSpec> = {
  volley: { script: 'volley.mjs', peers: false, proto: 'ws', about: '`volley/ws`: `WebSocketServer`; broadcast frames once (`prepareMessage`) and `sendPrepared` to each subscriber' },
  ws: { script: 'ws.mjs', env: { WS_NO_BUFFER_UTIL: '1' }, peers: false, proto: 'ws', about: 'npm `ws` without bufferutil (pure JavaScript); broadcast is `send` in a loop, as ws documents' },
  'ws-bufferutil': { script: 'ws.mjs', peers: true, proto: 'ws', about: 'npm `ws` with `bufferutil` (native masking)' },
  uws: { script: 'uws.mjs', peers: true, proto: 'ws', about: 'uWebSockets.js (npm `uwebsockets`): C++; broadcast with its own pub/sub (`app.publish`)' },
  net: { script: 'net-echo.mjs', peers: false, proto: 'ws', about: '`node:net` answering the upgrade and writing each frame back unmasked, no checks; broadcast unmasks once and writes the same bytes to each subscriber: the floor for Node (echo and plain broadcast)' },
  'net-raw': { script: 'net-raw.mjs', peers: false, proto: 'ws', loadgen: ['-masked'], about: '`node:net` answering the upgrade, then writing every chunk back as it came, no parsing at all (the client\'s masked frames come back): the most the load generator drives through Node (echo only)' },
  'volley-hub': { script: 'volley-hub.mjs', peers: false, proto: 'volley', about: "Volley's hub (`createServer`): volley.v1, one channel in a namespace with the defaults (no history, no presence)" },
  socketio: { script: 'socketio.mjs', peers: true, proto: 'sio', about: "Socket.IO 4 with its own engine on `node:http` (ws underneath, bufferutil installed); a room, `io.to(room).emit`" },
  'socketio-uws': { script: 'socketio.mjs', env: { SIO_ENGINE: 'uws' }, peers: true, proto: 'sio', about: 'Socket.IO 4 bound to uWebSockets.js with `io.attachApp` (its documented way)' },
  'volley-hub-redis': {
    script: 'volley-hub.mjs', peers: false, proto: 'volley', about: "two nodes of Volley's hub on Redis (`brokerFromUrl('redis://…')`)",
    cluster: (redisUrl, key) => ({ VOLLEY_BENCH_BROKER: `${redisUrl}/?prefix=${key}` }), single: 'volley-hub',
  },
  'socketio-redis': {
    script: 'socketio.mjs', peers: true, proto: 'sio', about: 'two nodes of Socket.IO 4 (own engine) with `@socket.io/redis-adapter` on ioredis',
    cluster: (redisUrl, key) => ({ SIO_REDIS: redisUrl, SIO_REDIS_KEY: key }), single: 'socketio',
  },
  'volley-hub-history': {
    script: 'volley-hub.mjs', env: { VOLLEY_BENCH_HISTORY: '1000' }, peers: false, proto: 'volley',
    about: "Volley's hub with history on: the namespace keeps 1,000 publications per channel for 60 s (`historySize`, `historyTtlMs`; recovery with `since`)",
  },
  'volley-hub-presence': {
    script: 'volley-hub.mjs', env: { VOLLEY_BENCH_PRESENCE: '1' }, peers: false, proto: 'volley',
    about: "Volley's hub with presence on (`presence: true`: who is subscribed, kept in the broker; no join/leave pushes)",
  },
  'volley-hub-nats': {
    script: 'volley-hub.mjs', peers: false, proto: 'volley', engine: 'nats', single: 'volley-hub',
    about: "two nodes of Volley's hub on NATS with JetStream (`brokerFromUrl('nats://…?storage=memory')`)",
    cluster: (natsUrl, key) => ({ VOLLEY_BENCH_BROKER: `${natsUrl}/?prefix=${key}&storage=memory` }),
  },
  'socketio-recover': {
    script: 'socketio.mjs', env: { SIO_RECOVERY: '1' }, peers: true, proto: 'sio',
    about: 'Socket.IO 4 (own engine) with `connectionStateRecovery` (missed room events replayed to a client back within 2 minutes with its `pid` and last offset)',
  },
};

export const SERVER_NAMES = Object.keys(SERVERS) as ServerName[];

const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 2000;

export interface RunningServer {
  name: ServerName;
  child: ChildProcess;
  pid: number;
  /** 127.0.0.1:PORT */
  addr: string;
  /** ws://127.0.0.1:PORT */
  url: string;
  /** The last lines it wrote to stderr. */
  stderr: () => string;
}

function start(benchDir: string, name: ServerName, pinned: boolean, nodeFlags: string[], env: Record<string, string>): Promise<RunningServer> {
  const spec = SERVERS[name];
  const node = [...nodeFlags, path.join(benchDir, 'servers', spec.script), '0'];
  const options = { cwd: path.dirname(benchDir), stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...spec.env, ...env } };
  const child = pinned ? spawn('taskset', ['-c', String(SERVER_CORE), process.execPath, ...node], options) : spawn(process.execPath, node, options);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: no ready line in ${READY_TIMEOUT_MS / 1000} s`));
    }, READY_TIMEOUT_MS);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const ready = /^ready \S+ (\d+) pid (\d+)/m.exec(out);
      if (!ready) return;
      clearTimeout(timer);
      const addr = `127.0.0.1:${ready[1]}`;
      resolve({ name, child, pid: Number(ready[2]), addr, url: `ws://${addr}`, stderr: () => stderr });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = stderr.trim().split('\n');
      reject(new Error(`${name} exited (${code}) before ready: ${lines.find((l) => /Error|not installed/.test(l)) ?? lines.pop()}`));
    });
  });
}

/**
 * Starts a server; a few tries, because `npm run build` started by someone else on this
 * machine cleans dist/ and can remove dist/ws for a few seconds.
 */
export async function startServer(benchDir: string, name: ServerName, pinned: boolean, nodeFlags: string[], env: Record<string, string> = {}): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(benchDir, name, pinned, nodeFlags, env);
    } catch (err) {
      if (attempt >= 3) throw err;
      console.warn(`  ${(err as Error).message}; retrying in 3 s`);
      await sleep(3000);
    }
  }
}

/** SIGTERM, then SIGKILL if it has not exited within a grace period. */
export function stopServer(server: RunningServer): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
