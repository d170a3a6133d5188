// Fan-out through the hub against the same fan-out on the bare socket layer.
//   node bench/hub-fanout.mjs [--subs 1000,10000] [--messages 300] [--window 16] [--reps 3]
// Each run: a server in this process (pinned to core 1) with one channel; N subscribers in a
// child process (pinned to core 0, bench/hub-fanout-subscribers.mjs); publications of 64 B of
// data with at most `window` in flight (a publication is done when all N have it).
//   hub:  createServer() + hub.publish('bench:fanout', data) — JSON push, encoded and framed once
//   hub+metrics: the same with Prometheus metrics enabled (prom-client observing the hub), to
//         measure their cost
//   raw:  WebSocketServer + prepareMessage(data) written to every subscriber (no hub)
// Reports deliveries/s (N x messages / time), delivery latency, and both processes' CPU, so a
// saturated subscriber process shows as such. Medians over reps, interleaved A B C A B C.
// (npm run bench runs it after its socket scenarios; its subscribers speak the hub protocol,
// which volley bench's workers do not yet.)
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { createServer } from 'volley';
import { WebSocketServer, prepareMessage } from 'volley/ws';
import { driveFanout, median, pin } from './fanout-driver.mjs';

const { values } = parseArgs({
  options: {
    subs: { type: 'string', default: '1000,10000' },
    messages: { type: 'string', default: '300' },
    window: { type: 'string', default: '16' },
    reps: { type: 'string', default: '3' },
    modes: { type: 'string', default: 'hub,hub+metrics,raw' },
  },
});
const MESSAGES = Number(values.messages);
const WINDOW = Number(values.window);
const PAD = 'x'.repeat(24);

pin(process.pid, 1);

async function startHub(metrics) {
  const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, heartbeatIntervalMs: 0,
    namespaces: { bench: {} }, limits: { publishRate: 1e9 },
    ...(metrics ? { metrics: { enabled: true, token: 'bench-metrics-token-0000' } } : {}) });
  const { port } = await server.listen();
  return {
    url: `ws://127.0.0.1:${port}/connection/websocket`,
    publish: (k) => server.publish('bench:fanout', { k, t: Date.now(), pad: PAD }),
    close: () => server.close(),
  };
}

async function startRaw() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  return {
    url: `ws://127.0.0.1:${wss.address().port}/`,
    publish: (k) => wss.broadcast(prepareMessage(JSON.stringify({ k, t: Date.now(), pad: PAD }))),
    close: () => new Promise((r) => wss.close(r)),
  };
}

async function run(mode, subs) {
  const server = mode === 'raw' ? await startRaw() : await startHub(mode === 'hub+metrics');
  const figures = await driveFanout({
    subscribers: new URL('./hub-fanout-subscribers.mjs', import.meta.url), args: [server.url, String(subs), mode === 'raw' ? 'raw' : 'hub'],
    subs, messages: MESSAGES, window: WINDOW, publish: (k) => server.publish(k), label: mode,
  });
  await server.close();
  return { mode, subs, ...figures };
}

console.log('| subscribers | path | deliveries/s (median) | min–max | p50 ms | p99 ms | server CPU % | subscriber process CPU % |');
console.log('|---|---|---|---|---|---|---|---|');
const modes = values.modes.split(',');
for (const subs of values.subs.split(',').map(Number)) {
  const results = Object.fromEntries(modes.map((mode) => [mode, []]));
  for (let rep = 0; rep < Number(values.reps); rep++) {
    for (const mode of modes) results[mode].push(await run(mode, subs));
  }
  for (const mode of modes) {
    const rs = results[mode];
    const d = rs.map((r) => r.deliveriesPerSec);
    console.log(`| ${subs} | ${mode} | ${Math.round(median(d))} | ${Math.round(Math.min(...d))}–${Math.round(Math.max(...d))} | ${median(rs.map((r) => r.p50))} | ${median(rs.map((r) => r.p99))} | ${Math.round(median(rs.map((r) => r.serverCpu)))} | ${Math.round(median(rs.map((r) => r.subscriberCpu)))} |`);
  }
  const rate = (mode) => median(results[mode].map((r) => r.deliveriesPerSec));
  if (results.hub && results.raw) console.log(`|  | hub / raw | ${(rate('hub') / rate('raw')).toFixed(2)} | | | | | |`);
  if (results.hub && results['hub+metrics']) console.log(`|  | hub+metrics / hub | ${(rate('hub+metrics') / rate('hub')).toFixed(2)} | | | | | |`);
}
