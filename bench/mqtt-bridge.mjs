// MQTT -> Volley client through the MQTT bridge: latency (p50/p99) and messages per second.
//   node bench/mqtt-bridge.mjs [--url mqtt://127.0.0.1:1883] [--qos 1] [--latency-messages 2000]
//                              [--rate 200] [--throughput-messages 20000] [--json]
// Needs the built package (npm run build) and an MQTT broker. In this process: a Volley server
// (memory broker) with the bridge, and a Volley client subscribed to the bridged channel. In a
// child process: the MQTT publisher (MQTT.js, MQTT 5), stamping each message with its clock.
//   latency:    `rate` messages per second, each timed from the publish call to its arrival at
//               the Volley client (both clocks are this machine's: performance.timeOrigin + now()).
//   throughput: `throughput-messages` published as fast as the bridge takes them: at most 500
//               ahead of what the Volley client has received (a broker queues a limited number
//               for a subscriber that falls behind — Mosquitto's max_queued_messages, default
//               1000 — and drops the rest); messages/s = messages / (last - first arrival).
// Both processes' CPU time is reported, so a saturated side shows as such.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    qos: { type: 'string', default: '1' },
    'latency-messages': { type: 'string', default: '2000' },
    rate: { type: 'string', default: '200' },
    'throughput-messages': { type: 'string', default: '20000' },
    role: { type: 'string', default: 'bench' },
    topic: { type: 'string', default: '' },
    json: { type: 'boolean', default: false },
  },
});
const QOS = Number(values.qos);
const now = () => performance.timeOrigin + performance.now();

if (values.role === 'publisher') await publisher();
else await bench();

/** The child: publishes on command, `{ phase, count, rate }`; replies `{ done, cpuMs }`. */
async function publisher() {
  const { default: mqtt } = await import('mqtt');
  const client = await mqtt.connectAsync(values.url, { protocolVersion: 5, reconnectPeriod: 0 });
  let received = 0;
  let onReceived = () => {};
  process.on('message', async ({ phase, count, rate, progress }) => {
    if (progress !== undefined) {
      received = progress;
      onReceived();
      return;
    }
    const cpu = process.cpuUsage();
    if (phase === 'latency') {
      const start = now();
      for (let i = 0; i < count; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        client.publish(values.topic, JSON.stringify({ i, t: now() }), { qos: QOS });
      }
    } else {
      received = 0;
      for (let i = 0; i < count; i++) {
        while (i - received >= 500) await new Promise((resolve) => (onReceived = resolve));
        client.publish(values.topic, JSON.stringify({ i, t: now() }), { qos: QOS });
      }
    }
    const used = process.cpuUsage(cpu);
    process.send({ done: phase, cpuMs: (used.user + used.system) / 1000 });
  });
  process.send({ ready: true });
}

async function bench() {
  const { createServer } = await import('volley');
  const { Client } = await import('volley/client');
  const { startMqttBridge, hubBridgeHost } = await import('../dist/bridges/mqtt/index.js');
  const id = `bench${randomBytes(4).toString('hex')}`;
  const topic = `volley-bench/${id}/sensors/s1`;
  const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, heartbeatIntervalMs: 0, namespaces: { bench: {} } });
  const { port } = await server.listen();
  const bridge = await startMqttBridge(
    { url: values.url, bridgeId: id, clientId: id, session: 'clean', receiveMaximum: 1000, inbound: [{ topic: `volley-bench/${id}/sensors/+`, channel: 'bench:{1}', qos: QOS }] },
    hubBridgeHost(server.hub),
    { log: () => {} },
  );
  const client = new Client(`ws://127.0.0.1:${port}/connection/websocket`);
  client.connect();
  const subscription = client.subscribe('bench:s1');
  await subscription.ready();

  let arrivals = [];
  let onArrival = () => {};
  subscription.on('publication', ({ data }) => {
    arrivals.push({ at: now(), sent: data.payload.t });
    if (arrivals.length % 100 === 0) child.send({ progress: arrivals.length });
    onArrival();
  });
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'publisher', '--url', values.url, '--qos', String(QOS), '--topic', topic]);
  await once(child, 'message');

  async function phase(name, count, rate) {
    arrivals = [];
    const all = new Promise((resolve) => {
      onArrival = () => arrivals.length >= count && resolve();
    });
    const cpu = process.cpuUsage();
    child.send({ phase: name, count, rate });
    const [reply] = await once(child, 'message');
    await all;
    const used = process.cpuUsage(cpu);
    return { arrivals: arrivals.slice(), publisherCpuMs: reply.cpuMs, serverCpuMs: (used.user + used.system) / 1000 };
  }

  const latencyCount = Number(values['latency-messages']);
  const throughputCount = Number(values['throughput-messages']);
  const latency = await phase('latency', latencyCount, Number(values.rate));
  const delays = latency.arrivals.map((a) => a.at - a.sent).sort((a, b) => a - b);
  const pick = (q) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))];
  const throughput = await phase('throughput', throughputCount);
  const span = (throughput.arrivals.at(-1).at - throughput.arrivals[0].at) / 1000;
  const stats = bridge.stats();
  const result = {
    qos: QOS,
    latency: { messages: latencyCount, ratePerSecond: Number(values.rate), p50Ms: round(pick(0.5)), p99Ms: round(pick(0.99)), maxMs: round(delays.at(-1)) },
    throughput: {
      messages: throughputCount,
      messagesPerSecond: Math.round(throughputCount / span),
      serverProcessCpuPercent: Math.round((throughput.serverCpuMs / 1000 / span) * 100),
      publisherCpuPercent: Math.round((throughput.publisherCpuMs / 1000 / span) * 100),
    },
    bridge: { received: stats.inbound.received, published: stats.inbound.published },
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`MQTT -> Volley client through the bridge (QoS ${QOS}, ${values.url})`);
    console.log(`  latency     ${latencyCount} msgs at ${values.rate}/s: p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms, max ${result.latency.maxMs} ms`);
    console.log(`  throughput  ${throughputCount} msgs: ${result.throughput.messagesPerSecond} msgs/s (server+bridge+client process ${result.throughput.serverProcessCpuPercent}% CPU, publisher ${result.throughput.publisherCpuPercent}%)`);
  }
  child.kill();
  client.disconnect();
  await bridge.close();
  await server.close();
}

function round(ms) {
  return Math.round(ms * 100) / 100;
}
