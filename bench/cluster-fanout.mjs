#!/usr/bin/env node
// Cross-node fan-out over Redis and NATS compared with one node.
//   node --import tsx bench/cluster-fanout.mjs [--subscribers 100] [--messages 2000]
// Each scenario spawns Volley node processes (test/cluster/node-process.ts) that share
// one engine (the machine's Redis on 6379 / NATS on 4222, under a fresh prefix). The
// subscribers sit on one node; the publisher sits on the same node ("1 node") or on
// another one ("2 nodes"), so every publication crosses the engine between two
// processes. Measured per channel kind (live: no history; history: stored first):
//   latency    publications paced 1 per 2 ms; send → receive at every subscriber, p50/p99
//   throughput publications sent back to back; deliveries per second until every
//              subscriber has them all
// The clients run in this process; its CPU use is printed so you can see whether it,
// rather than the server, was the limit.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(args[index + 1]);
};
const SUBSCRIBERS = option('subscribers', 100);
const MESSAGES = option('messages', 2000);
const LATENCY_MESSAGES = option('latency-messages', 300);
const WARMUP = 100;
const NODE_SCRIPT = fileURLToPath(new URL('../test/cluster/node-process.ts', import.meta.url));
const now = () => performance.timeOrigin + performance.now();

function startNode(brokerUrl) {
  const child = spawn(process.execPath, ['--import', 'tsx', NODE_SCRIPT, brokerUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ child, port: JSON.parse(line).port }));
  });
}

function stopNode(node) {
  return new Promise((resolve) => {
    node.child.once('exit', resolve);
    node.child.kill('SIGTERM');
  });
}

class Client {
  constructor(port, onPush) {
    this.socket = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, 'volley.v1');
    this.nextId = 1;
    this.waiting = new Map();
    this.socket.on('message', (raw) => {
      const text = String(raw);
      if (text.startsWith('{"pub"') || text.startsWith('{"push"')) return onPush?.(text);
      const reply = JSON.parse(text);
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
  }
  async open() {
    await new Promise((resolve, reject) => {
      this.socket.once('open', resolve);
      this.socket.once('error', reject);
    });
    await this.call('connect', {});
    return this;
  }
  call(method, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => (reply.error ? reject(new Error(reply.error.message)) : resolve(reply.result)));
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
  close() {
    this.socket.close();
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function measure(publisherPort, subscriberPort, channel) {
  const latencies = [];
  let received = 0;
  let target = Infinity;
  let allReceived;
  let measuring = false;
  const onPush = (text) => {
    if (!text.startsWith('{"pub"')) return; // joins and leaves
    received += 1;
    if (measuring && text.includes('"t":')) {
      const t = Number(text.slice(text.indexOf('"t":') + 4, text.indexOf('}', text.indexOf('"t":'))));
      latencies.push(now() - t);
    }
    if (received === target) allReceived();
  };
  const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => new Client(subscriberPort, onPush).open()));
  for (const client of subscribers) await client.call('subscribe', { channel });
  const publisher = await new Client(publisherPort).open();
  await publisher.call('subscribe', { channel }); // the namespace lets subscribers publish

  // Warm-up, then latency: paced, so queues stay empty and the figure is the path's own delay.
  let done = new Promise((resolve) => (allReceived = resolve));
  target = (WARMUP + LATENCY_MESSAGES) * SUBSCRIBERS;
  for (let i = 0; i < WARMUP + LATENCY_MESSAGES; i++) {
    measuring = i >= WARMUP;
    void publisher.call('publish', { channel, data: { t: now() } });
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await done;
  measuring = false;
  latencies.sort((a, b) => a - b);

  // Throughput: back to back, counting until every subscriber has every publication.
  received = 0;
  target = MESSAGES * SUBSCRIBERS;
  done = new Promise((resolve) => (allReceived = resolve));
  const cpuBefore = process.cpuUsage();
  const started = now();
  const replies = [];
  for (let i = 0; i < MESSAGES; i++) replies.push(publisher.call('publish', { channel, data: { n: i } }));
  await Promise.all(replies);
  await done;
  const elapsed = now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  for (const client of [...subscribers, publisher]) client.close();
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    deliveriesPerSecond: (MESSAGES * SUBSCRIBERS) / (elapsed / 1000),
    publishesPerSecond: MESSAGES / (elapsed / 1000),
    clientCpu: (cpu.user + cpu.system) / 1000 / elapsed,
  };
}

const prefix = () => `vbench${randomBytes(3).toString('hex')}`;

/** Removes what a scenario left on the shared engine under its prefix. */
async function cleanup(url) {
  if (url === 'memory') return;
  const prefixOf = new URL(url).searchParams.get('prefix');
  if (url.startsWith('redis:')) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(url.split('?')[0]);
    const keys = await redis.keys(`${prefixOf}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  } else if (url.startsWith('nats:')) {
    const { connect } = await import('nats');
    const nc = await connect({ servers: url.split('?')[0] });
    const jsm = await nc.jetstreamManager();
    for (const name of [`${prefixOf}_history`, `KV_${prefixOf}_history_meta`, `KV_${prefixOf}_presence`]) {
      await jsm.streams.delete(name).catch(() => {});
    }
    await nc.close();
  }
}
const scenarios = [
  { name: 'memory, 1 node', url: () => 'memory', nodes: 1 },
  { name: 'redis, 1 node', url: (p) => `redis://127.0.0.1:6379?prefix=${p}`, nodes: 1 },
  { name: 'redis, 2 nodes', url: (p) => `redis://127.0.0.1:6379?prefix=${p}`, nodes: 2 },
  { name: 'nats, 1 node', url: (p) => `nats://127.0.0.1:4222?prefix=${p}&storage=memory`, nodes: 1 },
  { name: 'nats, 2 nodes', url: (p) => `nats://127.0.0.1:4222?prefix=${p}&storage=memory`, nodes: 2 },
];

console.log(`${SUBSCRIBERS} subscribers, ${MESSAGES} publications (throughput), ${LATENCY_MESSAGES} paced (latency)\n`);
console.log('scenario         channel   p50 ms  p99 ms  publications/s  deliveries/s  client CPU');
for (const scenario of scenarios) {
  for (const kind of ['live', 'chat']) {
    const url = scenario.url(prefix());
    const nodes = await Promise.all(Array.from({ length: scenario.nodes }, () => startNode(url)));
    const publisherPort = nodes[0].port;
    const subscriberPort = nodes[nodes.length - 1].port;
    let result;
    try {
      result = await measure(publisherPort, subscriberPort, `${kind}:bench`);
    } finally {
      await Promise.all(nodes.map(stopNode)); // never leave node processes behind
      await cleanup(url);
    }
    console.log(
      [
        scenario.name.padEnd(16),
        (kind === 'live' ? 'live' : 'history').padEnd(8),
        result.p50.toFixed(2).padStart(7),
        result.p99.toFixed(2).padStart(7),
        Math.round(result.publishesPerSecond).toString().padStart(15),
        Math.round(result.deliveriesPerSecond).toString().padStart(13),
        `${Math.round(result.clientCpu * 100)}%`.padStart(11),
      ].join(' '),
    );
  }
}
