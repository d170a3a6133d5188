// The SDK reads the flat publication push ({"pub":channel,…}) on every transport, with and
// without the publisher's info (the namespace option publisherInfo), JSON and binary, live
// and from history.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, type PublicationContext, type TransportName } from '../../src/client/node.js';
import { mintToken, startServer, until, type TestServer } from './helpers.js';

const TRANSPORTS: TransportName[] = ['websocket', 'http-stream', 'sse', 'long-polling'];
const BYTES = new Uint8Array([0, 1, 2, 254, 255]);

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let shared: Promise<TestServer> | undefined;
function server(): Promise<TestServer> {
  shared ??= startServer({
    namespaces: { plain: { historySize: 10 }, signed: { historySize: 10, publisherInfo: true } },
  }).then((t) => {
    cleanups.push(() => t.server.close());
    return t;
  });
  return shared;
}

async function connected(url: string, user: string, transport: TransportName): Promise<Client> {
  const client = new Client(url, { token: await mintToken(user), transports: [transport], rememberTransport: false });
  cleanups.push(() => client.disconnect());
  client.connect();
  await client.ready();
  return client;
}

for (const transport of TRANSPORTS) {
  for (const namespace of ['plain', 'signed'] as const) {
    const withInfo = namespace === 'signed';
    test(`${transport}: publications ${withInfo ? 'with' : 'without'} the publisher's info (${namespace})`, async () => {
      const t = await server();
      const reader = await connected(t.url, 'reader', transport);
      const writer = await connected(t.url, 'writer', 'websocket');
      assert.equal(reader.transport, transport);
      const channel = `${namespace}:${transport}`;
      const heard: PublicationContext<unknown>[] = [];
      const subscription = reader.subscribe(channel);
      subscription.on('publication', (context) => heard.push(context));
      await subscription.ready();
      await writer.subscribe(channel).ready(); // subscribers publish (the default policy)
      await writer.publish(channel, { text: 'hi' });
      await writer.publish(channel, BYTES);
      await t.server.publish(channel, 'from the server');
      await until(() => heard.length === 3, 'three publications');

      const publisher = withInfo ? { client: writer.id!, user: 'writer' } : undefined;
      assert.deepEqual(heard.map((p) => p.channel), [channel, channel, channel]);
      assert.deepEqual(heard.map((p) => p.offset), [1, 2, 3]);
      assert.deepEqual(heard[0]!.data, { text: 'hi' });
      assert.ok(heard[1]!.data instanceof Uint8Array);
      assert.deepEqual([...(heard[1]!.data as Uint8Array)], [...BYTES]);
      assert.equal(heard[2]!.data, 'from the server');
      assert.deepEqual(heard.map((p) => p.info), [publisher, publisher, undefined]);
      assert.deepEqual(heard.map((p) => 'info' in p), [withInfo, withInfo, false]);

      const history = await reader.history(channel);
      assert.deepEqual(history.publications.map((p) => p.info), [publisher, publisher, undefined]);
    });
  }
}
