// The provider against a real server and document service: concurrent edits converge,
// offline edits merge, a late joiner gets the whole document after history is trimmed,
// awareness reaches the others and goes when a client leaves.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Y from 'yjs';
import { Client } from '../../src/client/node.js';
import { VolleyProvider } from '../../src/yjs/index.js';
import { openEditor, startDocsServer, textOf, until, type DocsServer, type Editor } from './helpers.js';

describe('VolleyProvider', () => {
  let docs: DocsServer;
  const editors: Editor[] = [];
  const open = (channel: string) => {
    const editor = openEditor(docs.url, channel);
    editors.push(editor);
    return editor;
  };

  before(async () => {
    docs = await startDocsServer({ historySize: 5 });
  });
  after(async () => {
    for (const editor of editors) editor.close();
    await docs.close();
  });

  it('two editors typing at once converge to the same text', async () => {
    const a = open('docs:converge');
    const b = open('docs:converge');
    await Promise.all([a.provider.whenSynced(), b.provider.whenSynced()]);
    for (let i = 0; i < 20; i++) {
      a.text.insert(0, 'a');
      b.text.insert(b.text.length, 'b');
      if (i % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => textOf(a.doc) === textOf(b.doc) && textOf(a.doc).length === 40, 'both editors to hold 40 characters');
    assert.equal(textOf(a.doc).replace(/b/g, ''), 'a'.repeat(20));
    assert.equal(a.provider.access, 'write');
    assert.deepEqual([...a.errors, ...b.errors], []);
  });

  it('edits made while one editor is offline merge when it comes back', async () => {
    const a = open('docs:offline');
    const b = open('docs:offline');
    await Promise.all([a.provider.whenSynced(), b.provider.whenSynced()]);
    a.text.insert(0, 'shared ');
    await until(() => textOf(b.doc) === 'shared ', 'b to see the first edit');

    b.client.disconnect();
    assert.equal(b.provider.synced, false);
    a.text.insert(a.text.length, 'online');
    b.text.insert(0, 'offline ');
    await until(() => docs.service.stats.updates >= 2, 'the server to merge a\'s edit');

    b.client.connect();
    await b.provider.whenSynced();
    await until(() => textOf(a.doc) === textOf(b.doc) && textOf(a.doc).includes('offline') && textOf(a.doc).includes('online'), 'both to converge');
    assert.equal(textOf(a.doc), 'offline shared online');
  });

  it('a late joiner gets the whole document although the history kept only the last 5 updates', async () => {
    const a = open('docs:late');
    await a.provider.whenSynced();
    for (let i = 0; i < 30; i++) {
      const merged = docs.service.stats.updates;
      a.text.insert(a.text.length, `${i},`);
      // One publication per edit: wait until the server has it, so the history really trims.
      await until(() => docs.service.stats.updates > merged, `edit ${i} to reach the server`);
    }
    const expected = Array.from({ length: 30 }, (_, i) => `${i},`).join('');
    const history = await docs.server.hub.history('docs:late');
    assert.ok(history.publications.length <= 5 && history.offset >= 30, `history kept ${history.publications.length} of ${history.offset}`);
    const late = open('docs:late');
    await late.provider.whenSynced();
    // One sync reply carries it all: the text is complete as soon as the provider is synced.
    await until(() => textOf(a.doc) === expected, 'a to hold its own text');
    await until(() => textOf(late.doc) === expected, 'the late joiner to see everything');
  });

  it('shares awareness states and removes them when their client leaves', async () => {
    const a = open('docs:aware');
    const b = open('docs:aware');
    a.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#f00' });
    await Promise.all([a.provider.whenSynced(), b.provider.whenSynced()]);
    await until(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada', 'b to see Ada');
    b.provider.awareness.setLocalStateField('user', { name: 'Bob', color: '#00f' });
    await until(() => a.provider.awareness.getStates().get(b.doc.clientID)?.user?.name === 'Bob', 'a to see Bob');

    // A late third one sees both at once (they answer a newcomer with their state).
    const c = open('docs:aware');
    await c.provider.whenSynced();
    await until(() => c.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada', 'c to see Ada');
    await until(() => c.provider.awareness.getStates().get(b.doc.clientID)?.user?.name === 'Bob', 'c to see Bob');

    // b's connection ends without a goodbye: its leave removes its cursor.
    b.client.disconnect();
    await until(() => !a.provider.awareness.getStates().has(b.doc.clientID), 'b\'s state to go on a');
    // a says goodbye: c drops it at once.
    a.provider.destroy();
    await until(() => !c.provider.awareness.getStates().has(a.doc.clientID), 'a\'s state to go on c');
  });

  it('drops the others\' cursors while offline and gets them back after a reconnect', async () => {
    const a = open('docs:aware-again');
    const b = open('docs:aware-again');
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' });
    b.provider.awareness.setLocalStateField('user', { name: 'Bob' });
    await until(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada', 'b to see Ada');
    b.client.disconnect();
    assert.equal(b.provider.awareness.getStates().has(a.doc.clientID), false);
    b.client.connect();
    await until(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada', 'b to see Ada again');
    await until(() => a.provider.awareness.getStates().get(b.doc.clientID)?.user?.name === 'Bob', 'a to see Bob again');
  });

  it('malformed updates are refused by the server and editors carry on', async () => {
    const a = open('docs:garbage');
    await a.provider.whenSynced();
    await assert.rejects(docs.server.hub.publish('docs:garbage', { u: '%%%' }), { code: 107 });
    a.text.insert(0, 'still fine');
    const b = open('docs:garbage');
    await until(() => textOf(b.doc) === 'still fine', 'b to sync');
  });

  it('destroy() leaves the channel and the client usable', async () => {
    const client = new Client(docs.url);
    client.connect();
    const doc = new Y.Doc();
    const provider = new VolleyProvider(client, 'docs:destroy', doc);
    await provider.whenSynced();
    provider.destroy();
    assert.equal(client.getSubscription('docs:destroy'), undefined);
    const again = new VolleyProvider(client, 'docs:destroy', doc);
    await again.whenSynced();
    again.destroy();
    client.disconnect();
    doc.destroy();
  });
});
