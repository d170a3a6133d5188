// A Volley node with an MQTT bridge, as its own process, for the fault and cluster tests:
//   node --import tsx test/bridges/mqtt/bridge-node.ts <broker-url> '<bridge options JSON>'
// Prints {"port":N} once it listens and its bridge is subscribed; the rpc `bridge.stats`
// answers bridge.stats(); SIGTERM shuts it down gracefully (bridge first).
import { brokerFromUrl } from '../../../src/broker/from-url.js';
import { hubBridgeHost, startMqttBridge } from '../../../src/bridges/mqtt/index.js';
import { createServer } from '../../../src/server/index.js';

const [brokerUrl = 'memory', bridgeJson = '{}'] = process.argv.slice(2);
const broker = await brokerFromUrl(brokerUrl);
const server = createServer({
  broker,
  port: 0,
  host: '127.0.0.1',
  allowAnonymous: true,
  heartbeatIntervalMs: 0,
  limits: { publishRate: 100_000, publishBurst: 100_000 },
  namespaces: { iot: { historySize: 10_000, historyTtlMs: 600_000 } },
});
const address = await server.listen();
const bridge = await startMqttBridge(JSON.parse(bridgeJson), hubBridgeHost(server.hub), {
  log: (line) => process.stderr.write(`bridge-node ${process.pid}: ${line}\n`),
});
server.hub.registerRpc('bridge.stats', () => bridge.stats());
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

process.on('SIGTERM', () => {
  void bridge
    .close()
    .then(() => server.close())
    .then(() => broker.close())
    .finally(() => process.exit(0));
});
