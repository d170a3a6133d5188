// Fan-out to N subscribers over each transport: WebSocket, SSE and long-polling side by side.
//   node bench/transport-fanout.mjs [--subs 1000] [--messages 200] [--window 16] [--reps 1]
// Each run: a server in this process (pinned to core 1) with one channel; N subscribers of one
// transport in a child process (pinned to core 0, bench/transport-fanout-subscribers.mjs);
// publications of ~64 B with at most `window` in flight (one is done when all N have it).
// Reports deliveries/s (N x messages / time), delivery latency, the server's memory per
// connection (heap and RSS growth from before the subscribers came to after they subscribed,
// both after a full GC), and both processes' CPU: a subscriber process near 100% is the
// bottleneck, not the server. (npm run bench runs it; needs the built package.)
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createServer } from 'volley';
import { driveFanout, median, pin } from './fanout-driver.mjs';

const { values } = parseArgs({
  options: {
    subs: { type: 'string', default: '1000' },
    messages: { type: 'string', default: '200' },
    window: { type: 'string', default: '16' },
    reps: { type: 'string', default: '1' },
    transports: { type: 'string', default: 'websocket,sse,long-polling' },
  },
});
const MESSAGES = Number(values.messages);
const WINDOW = Number(values.window);
const PAD = 'x'.repeat(24);
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

pin(process.pid, 1);

function memory() {
  gc();
  gc();
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  return { heap: heapUsed + external - arrayBuffers + arrayBuffers, rss };
}

async function run(transport, subs) {
  const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, heartbeatIntervalMs: 0,
    namespaces: { bench: {} }, limits: { publishRate: 1e9 }, transports: { maxSessions: subs + 100 } });
  const { port } = await server.listen();
  const before = memory();
  let after;
  const figures = await driveFanout({
    subscribers: new URL('./transport-fanout-subscribers.mjs', import.meta.url), args: [`http://127.0.0.1:${port}`, String(subs), transport],
    subs, messages: MESSAGES, window: WINDOW, label: transport,
    publish: (k) => server.publish('bench:fanout', { k, t: Date.now(), pad: PAD }),
    onReady: () => (after = memory()),
  });
  await server.close();
  return {
    transport, subs, ...figures,
    heapPerConnKiB: (after.heap - before.heap) / subs / 1024, rssPerConnKiB: (after.rss - before.rss) / subs / 1024,
  };
}

const transports = values.transports.split(',');
console.log('| subscribers | transport | deliveries/s (median) | p50 ms | p99 ms | server heap KiB/conn | server RSS KiB/conn | server CPU % | subscriber process CPU % |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const subs of values.subs.split(',').map(Number)) {
  const results = Object.fromEntries(transports.map((t) => [t, []]));
  for (let rep = 0; rep < Number(values.reps); rep++) {
    for (const transport of transports) results[transport].push(await run(transport, subs));
  }
  for (const transport of transports) {
    const rs = results[transport];
    const m = (key) => median(rs.map((r) => r[key]));
    console.log(`| ${subs} | ${transport} | ${Math.round(m('deliveriesPerSec'))} | ${m('p50')} | ${m('p99')} | ${m('heapPerConnKiB').toFixed(1)} | ${m('rssPerConnKiB').toFixed(1)} | ${Math.round(m('serverCpu'))} | ${Math.round(m('subscriberCpu'))} |`);
  }
}
