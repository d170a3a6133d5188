// Bench server on Volley's hub (`createServer` from the public entry `volley`): one
// namespace `bench` with the defaults (no history, no presence; subscribers may publish),
// anonymous connections, the publish rate limit raised out of the way. Clients speak
// volley.v1 on /connection/websocket. VOLLEY_BENCH_BROKER (a broker URL such as
// redis://127.0.0.1:6379/?prefix=bench-x or nats://127.0.0.1:4222/?prefix=bench-x) makes it
// one node of a cluster on that engine. VOLLEY_BENCH_HISTORY=N keeps N publications per
// channel (history and recovery; for VOLLEY_BENCH_HISTORY_TTL_MS, default 60000);
// VOLLEY_BENCH_PRESENCE=1 keeps presence (who is subscribed; no join/leave pushes).
// Usage: node volley-hub.mjs [port]  (0 or none: any free port; the ready line names it). Needs `npm run build`.
import './exit-with-parent.mjs';
import { brokerFromUrl, createServer } from 'volley';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);

const brokerUrl = process.env.VOLLEY_BENCH_BROKER;
const broker = brokerUrl ? await brokerFromUrl(brokerUrl) : undefined;
const historySize = Number(process.env.VOLLEY_BENCH_HISTORY ?? 0);
const presence = process.env.VOLLEY_BENCH_PRESENCE === '1';
const bench = {
  ...(historySize > 0 ? { historySize, historyTtlMs: Number(process.env.VOLLEY_BENCH_HISTORY_TTL_MS ?? 60_000) } : {}),
  ...(presence ? { presence: true } : {}),
};

const server = createServer({
  port, host: '127.0.0.1', allowAnonymous: true,
  namespaces: { bench },
  limits: { publishRate: 1e9, publishBurst: 1e9 },
  ...(broker ? { broker } : {}),
});
const { port: bound } = await server.listen();
const label = `volley-hub${historySize > 0 ? '-history' : ''}${presence ? '-presence' : ''}${broker ? `-${new URL(brokerUrl).protocol.replace(':', '')}` : ''}`;
console.log(`ready ${label} ${bound} pid ${process.pid}`);
// exit-with-parent.mjs exits at once on SIGTERM; a NATS node first removes its streams (within the suite's 2 s grace).
if (brokerUrl?.startsWith('nats:')) process.removeAllListeners('SIGTERM');
process.on('SIGTERM', () => server.close().then(dropNatsStreams).catch(() => {}).finally(() => process.exit(0)));

/** A NATS node removes the run's JetStream stream and buckets (the prefix is the run's own), so runs leave nothing behind. */
async function dropNatsStreams() {
  if (!brokerUrl?.startsWith('nats:')) return;
  const url = new URL(brokerUrl);
  const prefix = url.searchParams.get('prefix');
  if (!prefix) return;
  const { connect } = await import('nats');
  const nc = await connect({ servers: `${url.hostname}:${url.port || 4222}`, timeout: 1000 });
  try {
    const jsm = await nc.jetstreamManager();
    for (const stream of [`${prefix}_history`, `KV_${prefix}_history_meta`, `KV_${prefix}_presence`]) await jsm.streams.delete(stream).catch(() => {});
  } finally {
    await nc.close();
  }
}
