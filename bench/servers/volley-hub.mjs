// Bench server on Volley's hub (`createServer` from the public entry `volley`): one
// namespace `bench` with the defaults (no history, no presence; subscribers may publish),
// anonymous connections, the publish rate limit raised out of the way. Clients speak
// volley.v1 on /connection/websocket. VOLLEY_BENCH_BROKER (a broker URL such as
// redis://127.0.0.1:6379/?prefix=bench-x) makes it one node of a cluster on that engine.
// Usage: node volley-hub.mjs [port]  (0 or none: any free port; the ready line names it). Needs `npm run build`.
import './exit-with-parent.mjs';
import { brokerFromUrl, createServer } from 'volley';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);

const brokerUrl = process.env.VOLLEY_BENCH_BROKER;
const broker = brokerUrl ? await brokerFromUrl(brokerUrl) : undefined;

const server = createServer({
  port, host: '127.0.0.1', allowAnonymous: true,
  namespaces: { bench: {} },
  limits: { publishRate: 1e9, publishBurst: 1e9 },
  ...(broker ? { broker } : {}),
});
const { port: bound } = await server.listen();
console.log(`ready volley-hub${broker ? '-redis' : ''} ${bound} pid ${process.pid}`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
