// The demo runs the Docs page's document service: `docs:` is configured, an editor syncs,
// and stop() saves the documents.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Y from 'yjs';
import { demoServerOptions, startDemo } from '../../src/demo/index.js';
import { createServer } from '../../src/server/server.js';
import { MemoryDocumentStore } from '../../src/yjs/server/index.js';
import { openEditor, textOf, until } from './helpers.js';

describe('the demo\'s documents', () => {
  it('serves docs:* documents and saves them when stopped', async () => {
    const server = createServer({ ...demoServerOptions(), port: 0, host: '127.0.0.1' });
    const { port } = await server.listen();
    const store = new MemoryDocumentStore();
    const demo = startDemo(server, { docs: { store, saveDelayMs: 60_000 }, market: { ticksPerSecond: 1 } });
    const editor = openEditor(`ws://127.0.0.1:${port}/connection/websocket`, 'docs:welcome');
    try {
      await editor.provider.whenSynced();
      editor.text.insert(0, 'hello from the demo');
      await until(() => demo.documents!.stats.updates > 0, 'the update to reach the demo');
      assert.equal(store.size, 0);
      await demo.stop();
      const saved = new Y.Doc();
      Y.applyUpdate(saved, (await store.load('docs:welcome'))!);
      assert.equal(textOf(saved), 'hello from the demo');
    } finally {
      editor.close();
      await demo.stop();
      await server.close();
    }
  });

  it('runs without documents when told so', async () => {
    const server = createServer({ ...demoServerOptions(), port: 0, host: '127.0.0.1' });
    const demo = startDemo(server, { docs: false, mountStatus: false });
    assert.equal(demo.documents, undefined);
    await demo.stop();
    await server.close();
  });
});
