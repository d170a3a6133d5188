// One Volley node for the multi-node tests and the cluster benchmark, run as its own
// process: `node --import tsx test/cluster/node-process.ts <broker-url> [presenceTtlMs]`.
// Prints {"port":N} on one line once it listens; SIGTERM shuts it down gracefully.
import { createServer } from '../../src/server/index.js';
import { brokerFromUrl } from '../../src/broker/from-url.js';

const [brokerUrl = 'memory', presenceTtl = '60000'] = process.argv.slice(2);
const broker = await brokerFromUrl(brokerUrl);
const server = createServer({
  broker,
  port: 0,
  host: '127.0.0.1',
  allowAnonymous: true,
  presenceTtlMs: Number(presenceTtl),
  sweepIntervalMs: 100,
  limits: { publishRate: 100_000, publishBurst: 100_000 },
  namespaces: {
    chat: { presence: true, joinLeave: true, historySize: 1_000, historyTtlMs: 600_000 },
    live: {},
  },
});
const address = await server.listen();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

process.on('SIGTERM', () => {
  void server
    .close()
    .then(() => broker.close())
    .finally(() => process.exit(0));
});
