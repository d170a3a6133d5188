// The document service: what it refuses (and with which code), who may write, the sync
// rpc, persistence across a restart, unloading, the size limit and a failing store.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { Client } from '../../src/client/node.js';
import { SYNC_RPC, toBase64 } from '../../src/yjs/index.js';
import { FileDocumentStore, MemoryDocumentStore, type DocumentStore } from '../../src/yjs/server/index.js';
import { SECRET, openEditor, startDocsServer, tempDir, textOf, until, type DocsServer, type Editor } from './helpers.js';

function updateWithText(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

async function subscriptionToken(user: string, channel: string, access: 'read' | 'write'): Promise<string> {
  return new SignJWT({ sub: user, channel, info: { access } })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(new TextEncoder().encode(SECRET));
}

async function connectionToken(user: string): Promise<string> {
  return new SignJWT({ sub: user })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(new TextEncoder().encode(SECRET));
}

describe('DocumentService: what a client may send', () => {
  let docs: DocsServer;
  let client: Client;
  const internalErrors: unknown[] = [];

  before(async () => {
    docs = await startDocsServer({ service: { maxUpdateSize: 4096, maxDocumentSize: 20_000 } });
    docs.server.hub.onInternalError = (error) => internalErrors.push(error);
    client = new Client(docs.url);
    client.connect();
    await client.subscribe('docs:hostile').ready();
  });
  after(async () => {
    client.disconnect();
    await docs.close();
  });

  const publish = (data: unknown) => client.publish('docs:hostile', data);

  it('refuses what is not a document message with bad_request (107)', async () => {
    for (const data of ['text', 42, null, [1], {}, { u: 1 }, { x: 'AAA=' }, { u: 'AAAA', extra: 'x' }]) {
      await assert.rejects(publish(data), { code: 107 }, JSON.stringify(data));
    }
  });

  it('refuses updates that are not base64 or not Yjs with bad_request (107)', async () => {
    await assert.rejects(publish({ u: 'not base64!' }), { code: 107, message: /not base64/ });
    await assert.rejects(publish({ u: 'AAA' }), { code: 107 });
    await assert.rejects(publish({ u: toBase64(Uint8Array.of(255, 255, 255, 255, 1)) }), { code: 107, message: /malformed Yjs update/ });
    await assert.rejects(publish({ a: toBase64(Uint8Array.of(1, 2, 3, 9, 120)) }), { code: 107, message: /malformed awareness/ });
  });

  it('refuses updates over maxUpdateSize with message_too_large (112)', async () => {
    await assert.rejects(publish({ u: toBase64(updateWithText('x'.repeat(5000))) }), { code: 112 });
  });

  it('refuses an update that would grow the document past maxDocumentSize with limit_exceeded (106)', async () => {
    for (let i = 0; i < 6; i++) await publish({ u: toBase64(updateWithText('y'.repeat(3000))) });
    await assert.rejects(publish({ u: toBase64(updateWithText('z'.repeat(3000))) }), { code: 106, message: /document over/ });
  });

  it('survives mutated and random updates: each is merged or refused with 107, never an internal error', async () => {
    const good = updateWithText('hello mutated world');
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = i % 4 === 0 ? crypto.getRandomValues(new Uint8Array(1 + (i % 50))) : Uint8Array.from(good);
      if (i % 4 !== 0) for (let k = 0; k <= i % 3; k++) bytes[(i * 7 + k * 13) % bytes.length] = (i * 31 + k) % 256;
      try {
        await docs.server.hub.publish('docs:fuzz', { u: toBase64(bytes) });
      } catch (error) {
        assert.equal((error as { code?: number }).code, 107);
        refused += 1;
      }
    }
    assert.ok(refused > 100, `only ${refused} refused`);
    assert.deepEqual(internalErrors, []);
    const state = await docs.service.encodeState('docs:fuzz');
    const copy = new Y.Doc();
    Y.applyUpdate(copy, state);
    copy.getText('text').toString();
  });

  it('accepts a valid update and awareness message, and still serves after all that', async () => {
    await publish({ u: toBase64(updateWithText('fine')) });
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalStateField('user', { name: 'x' });
    await publish({ a: toBase64(encodeAwarenessUpdate(awareness, [awareness.clientID])) });
    awareness.destroy();
    assert.ok(docs.service.stats.refused >= 10);
  });

  it('the sync rpc needs a subscription, a document channel and base64 strings', async () => {
    const sv = toBase64(Y.encodeStateVector(new Y.Doc()));
    await assert.rejects(client.rpc(SYNC_RPC, { channel: 'docs:elsewhere', sv }), { code: 103 });
    await assert.rejects(client.rpc(SYNC_RPC, { channel: 'other:x', sv }), { code: 107 });
    await assert.rejects(client.rpc(SYNC_RPC, { channel: 'docs:hostile', sv: '!!' }), { code: 107 });
    await assert.rejects(client.rpc(SYNC_RPC, { channel: 'docs:hostile' }), { code: 107 });
    await assert.rejects(client.rpc(SYNC_RPC, null), { code: 107 });
    const reply = await client.rpc<{ update: string; sv: string; access: string }>(SYNC_RPC, { channel: 'docs:hostile', sv });
    assert.equal(reply.access, 'write');
    assert.ok(reply.update.length > 0);
  });
});

describe('DocumentService: read-only and read-write tokens', () => {
  let docs: DocsServer;
  const editors: Editor[] = [];
  before(async () => {
    docs = await startDocsServer();
  });
  after(async () => {
    for (const editor of editors) editor.close();
    await docs.close();
  });

  it('a read-only token syncs and sees edits, but its updates are refused with permission_denied (103)', async () => {
    const channel = '$docs:plan';
    const writer = openEditor(docs.url, channel, {
      token: await connectionToken('ann'),
      provider: { subscription: { token: await subscriptionToken('ann', channel, 'write') } },
    });
    const reader = openEditor(docs.url, channel, {
      token: await connectionToken('rex'),
      provider: { subscription: { token: await subscriptionToken('rex', channel, 'read') } },
    });
    editors.push(writer, reader);
    await Promise.all([writer.provider.whenSynced(), reader.provider.whenSynced()]);
    assert.equal(writer.provider.access, 'write');
    assert.equal(reader.provider.access, 'read');

    writer.text.insert(0, 'only ann writes');
    await until(() => textOf(reader.doc) === 'only ann writes', 'the reader to see the edit');

    // The provider keeps a read-only client's edits local; a raw publish is refused.
    reader.text.insert(0, 'rex was here ');
    await assert.rejects(reader.provider.subscription.publish({ u: toBase64(Y.encodeStateAsUpdate(reader.doc)) }), { code: 103, message: /read-only/ });
    const stored = new Y.Doc();
    Y.applyUpdate(stored, await docs.service.encodeState(channel));
    assert.equal(textOf(stored), 'only ann writes');
    // Awareness (cursors) is allowed to readers.
    reader.provider.awareness.setLocalStateField('user', { name: 'Rex' });
    await until(() => writer.provider.awareness.getStates().get(reader.doc.clientID)?.user?.name === 'Rex', 'the writer to see the reader\'s cursor');
  });

  it('without a subscription token a private document cannot be opened at all', async () => {
    const client = new Client(docs.url, { token: await connectionToken('eve') });
    client.connect();
    const sub = client.subscribe('$docs:plan');
    await assert.rejects(sub.ready(), { code: 103 });
    await assert.rejects(client.rpc(SYNC_RPC, { channel: '$docs:plan', sv: toBase64(Y.encodeStateVector(new Y.Doc())) }), { code: 103 });
    client.disconnect();
  });
});

describe('DocumentService: persistence and memory', () => {
  it('a document saved to the file store is there after a restart; no temporary file is left', async () => {
    const dir = tempDir('docs');
    try {
      const first = await startDocsServer({ service: { store: new FileDocumentStore(dir.path) } });
      const a = openEditor(first.url, 'docs:kept');
      await a.provider.whenSynced();
      a.text.insert(0, 'survives restarts — 重启 ✓');
      await until(() => first.service.stats.updates > 0, 'the update to reach the server');
      a.close();
      await first.close(); // saves what is unsaved
      assert.deepEqual(readdirSync(dir.path), ['docs%3Akept.ydoc']);

      const second = await startDocsServer({ service: { store: new FileDocumentStore(dir.path) } });
      const b = openEditor(second.url, 'docs:kept');
      await b.provider.whenSynced();
      assert.equal(textOf(b.doc), 'survives restarts — 重启 ✓');
      b.close();
      await second.close();
    } finally {
      dir.remove();
    }
  });

  it('saves after saveDelayMs without a close', async () => {
    const store = new MemoryDocumentStore();
    const docs = await startDocsServer({ service: { store, saveDelayMs: 10 } });
    try {
      await docs.server.hub.publish('docs:debounced', { u: toBase64(updateWithText('saved')) });
      await until(() => store.size === 1, 'the debounced save');
      const doc = new Y.Doc();
      Y.applyUpdate(doc, (await store.load('docs:debounced'))!);
      assert.equal(textOf(doc), 'saved');
    } finally {
      await docs.close();
    }
  });

  it('unloads idle documents and the least recently used over maxLoadedDocuments, and reloads them intact', async () => {
    const docs = await startDocsServer({ service: { maxLoadedDocuments: 2, idleUnloadMs: 0 } });
    try {
      for (const name of ['one', 'two', 'three']) await docs.server.hub.publish(`docs:${name}`, { u: toBase64(updateWithText(name)) });
      await until(() => docs.service.loadedCount <= 2 && docs.service.stats.unloads >= 1, 'the oldest to be unloaded');
      docs.service.sweep();
      await until(() => docs.service.loadedCount === 0, 'idle documents to be unloaded');
      for (const name of ['one', 'two', 'three']) {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, await docs.service.encodeState(`docs:${name}`));
        assert.equal(textOf(doc), name);
      }
    } finally {
      await docs.close();
    }
  });

  it('a failing store is reported and retried; the document stays in memory until it is saved', async () => {
    let failing = true;
    const inner = new MemoryDocumentStore();
    const store: DocumentStore = {
      load: (name) => inner.load(name),
      save: async (name, state) => {
        if (failing) throw new Error('disk full');
        await inner.save(name, state);
      },
    };
    const docs = await startDocsServer({ service: { store, saveDelayMs: 5, idleUnloadMs: 0 } });
    const reported: unknown[] = [];
    docs.server.hub.onInternalError = (error) => reported.push(error);
    try {
      await docs.server.hub.publish('docs:fragile', { u: toBase64(updateWithText('precious')) });
      await until(() => reported.length > 0, 'the failure to be reported');
      docs.service.sweep();
      await until(() => docs.service.stats.saveFailures >= 2, 'a second failed save');
      assert.equal(docs.service.loadedCount, 1);
      failing = false;
      await until(() => inner.size === 1, 'a later save to succeed');
      docs.service.sweep();
      await until(() => docs.service.loadedCount === 0, 'the unload');
    } finally {
      failing = false;
      await docs.close();
    }
  });

  it('change() edits a document from the server and every editor sees it', async () => {
    const docs = await startDocsServer();
    const a = openEditor(docs.url, 'docs:seeded');
    try {
      await a.provider.whenSynced();
      await docs.service.change('docs:seeded', (doc) => doc.getText('text').insert(0, 'from the server'));
      await until(() => textOf(a.doc) === 'from the server', 'the editor to see the server edit');
    } finally {
      a.close();
      await docs.close();
    }
  });
});
