// Fan-out to N subscribers over each transport: WebSocket, SSE and long-polling side by side.
//   node bench/transport-fanout.mjs [--subs 1000] [--messages 200] [--window 16] [--reps 1]
// Each run: a server in this process (pinned to core 1) with one channel; N subscribers of one
// transport in a child process (pinned to core 0, bench/transport-fanout-subscribers.mjs);
// publications of ~64 B with at most `window` in flight (one is done when all N have it).
// Reports deliveries/s (N x messages / time), delivery latency, the server's memory per
// connection (heap and RSS growth from before the subscribers came to after they subscribed,
// both after a full GC), and both processes' CPU: a subscriber process near 100% is the
// bottleneck, not the server. (npm run bench runs it; needs the built package.)
import { fork, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createServer } from 'volley';

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

try {
  execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
} catch {
  console.log('# taskset unavailable: server and subscribers are not pinned apart');
}

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
  const child = fork(new URL('./transport-fanout-subscribers.mjs', import.meta.url), [`http://127.0.0.1:${port}`, String(subs), transport], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    execFileSync('taskset', ['-pc', '0', String(child.pid)], { stdio: 'ignore' });
  } catch {
    /* reported above */
  }
  let wake;
  const progress = [];
  let errors = 0;
  child.on('message', (m) => {
    if (m.error && errors++ < 5) console.error(`# subscriber error ${m.error}`);
    progress.push(m);
    wake?.();
  });
  const next = async (pred) => {
    for (;;) {
      const i = progress.findIndex(pred);
      if (i !== -1) return progress.splice(i, 1)[0];
      await new Promise((r) => (wake = r));
    }
  };
  // A load that cannot get all its subscribers in is reported, not waited for for ever.
  const stuck = setTimeout(() => {
    console.error(`# ${transport}: not all ${subs} subscribers subscribed within 120 s`);
    process.exit(1);
  }, 120_000);
  await next((m) => m.ready);
  clearTimeout(stuck);
  const after = memory();
  child.send('start');
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let sent = 0;
  let done = 0;
  while (done < MESSAGES) {
    while (sent < MESSAGES && sent - done < WINDOW) await server.publish('bench:fanout', { k: ++sent, t: Date.now(), pad: PAD });
    await next((m) => m.done !== undefined);
    done++;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  child.send('report');
  const { latencies, cpuPercent } = await next((m) => m.latencies);
  child.send('exit');
  await once(child, 'exit');
  await server.close();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    transport, subs, deliveriesPerSec: (subs * MESSAGES) / seconds, p50: pct(0.5), p99: pct(0.99),
    heapPerConnKiB: (after.heap - before.heap) / subs / 1024, rssPerConnKiB: (after.rss - before.rss) / subs / 1024,
    serverCpu: (100 * (cpu.user + cpu.system)) / 1e6 / seconds, subscriberCpu: cpuPercent,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
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
