// Binary publications across two nodes on Redis and on NATS: bytes published by a client
// on one node arrive as bytes on the other, live, in history, and in recovery.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brokerFromUrl } from '../../src/broker/from-url.js';
import { Client } from '../../src/client/node.js';
import { createServer, type VolleyServer } from '../../src/server/index.js';
import { serviceSkipReason, uniquePrefix, waitFor } from './engines.js';
import { NETWORKED_ENGINES } from './broker-pairs.js';

const engines = NETWORKED_ENGINES;

for (const engine of engines) {
  const skip = await serviceSkipReason(engine.name, engine.url);
  describe(`binary publications on two nodes over ${engine.name}`, { skip }, () => {
    const prefix = uniquePrefix('binary');
    const servers: VolleyServer[] = [];
    const urls: string[] = [];
    const clients: Client[] = [];
    const client = (node: number) => {
      const c = new Client(urls[node]!, { minReconnectDelayMs: 20, maxReconnectDelayMs: 200 });
      clients.push(c);
      c.connect();
      return c;
    };

    before(async () => {
      for (let i = 0; i < 2; i++) {
        const server = createServer({
          port: 0, host: '127.0.0.1', allowAnonymous: true,
          namespaces: { chat: { historySize: 100, historyTtlMs: 60_000 } },
          broker: await brokerFromUrl(engine.brokerUrl(prefix)),
        });
        servers.push(server);
        urls.push(`ws://127.0.0.1:${(await server.listen()).port}/connection/websocket`);
      }
    });
    after(async () => {
      for (const c of clients) c.disconnect();
      for (const server of servers) {
        await server.close();
        await server.hub.broker.close();
      }
      await engine.cleanup(prefix);
    });

    it('a round trip: live, history and recovery keep the bytes', async () => {
      const sender = client(0);
      const receiver = client(1);
      const got: unknown[] = [];
      const sub = receiver.subscribe('chat:bytes');
      sub.on('publication', (p) => got.push(p.data));
      await sub.ready();
      await sender.subscribe('chat:bytes').ready();
      const first = Uint8Array.from([0, 1, 2, 253, 254, 255]);
      await sender.publish('chat:bytes', first);
      await sender.publish('chat:bytes', { text: 'json in between' });
      await waitFor(() => got.length === 2, 10_000, 'delivery on the other node');
      assert.ok(got[0] instanceof Uint8Array);
      assert.deepEqual([...(got[0] as Uint8Array)], [...first]);
      assert.deepEqual(got[1], { text: 'json in between' });

      const position = sub.position!;
      await servers[0]!.hub.publish('chat:bytes', Uint8Array.from([7, 7]));
      const history = await receiver.history('chat:bytes');
      await waitFor(() => got.length === 3, 10_000, 'the server publication');
      assert.deepEqual(history.publications.map((p) => p.data instanceof Uint8Array ? [...p.data] : p.data).slice(0, 2), [[...first], { text: 'json in between' }]);

      const late = client(1);
      const recovered: unknown[] = [];
      const again = late.subscribe('chat:bytes', { since: position });
      again.on('publication', (p) => recovered.push(p.data));
      let wasRecovered: boolean | undefined;
      again.on('subscribed', (ctx) => (wasRecovered = ctx.recovered));
      await again.ready();
      await waitFor(() => recovered.length === 1, 10_000, 'recovery');
      assert.equal(wasRecovered, true);
      assert.deepEqual([...(recovered[0] as Uint8Array)], [7, 7]);
    });
  });
}
