// The Docs page in Chromium against a real server with the document service and a file
// store: two people type at once and converge; one goes offline, both keep typing, it
// comes back and both converge; a third joins after the history was trimmed and sees
// everything; the document is still there after the server restarts; a read-only token
// cannot change it; remote cursors with names are drawn (screenshot in test-artifacts/).
// The pages are built into a folder of this test's own, so no other test's build races it.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as Y from 'yjs';
import { toBase64 } from '../../src/yjs/index.js';
import { buildWeb, type BuiltFile } from '../../scripts/build-web.js';
import { FileDocumentStore } from '../../src/yjs/server/index.js';
import { chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { SECRET, startDocsServer, tempDir, until, type DocsServer } from './helpers.js';
import { ARTIFACTS, WAIT, isSubsequence, openDocs as openPage, textOf, typeAt, waitSynced, waitText, type PageDocs } from './page-helpers.js';

const skip = chromiumSkipReason();
if (skip) console.log(`# skipping the Docs page in Chromium: ${skip}`);

async function token(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(new TextEncoder().encode(SECRET));
}

describe('the Docs page in Chromium', { skip }, () => {
  const store = tempDir('docs-page-store');
  const web = tempDir('docs-page-web');
  let files: BuiltFile[];
  let docs: DocsServer;
  let port = 0;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const start = async () => {
    docs = await startDocsServer({
      port,
      historySize: 5,
      server: { staticDir: web.path },
      service: { store: new FileDocumentStore(store.path), saveDelayMs: 200 },
    });
    port = docs.port;
  };

  before(async () => {
    files = await buildWeb(web.path);
    await mkdir(ARTIFACTS, { recursive: true });
    await start();
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await docs?.close();
    store.remove();
    web.remove();
  });

  const openDocs = (path: string, name: string) => openPage(browser, contexts, `http://127.0.0.1:${port}${path}`, name);

  let alice: Page;
  let bob: Page;

  it('bundles the editor, Yjs and the client into the page', () => {
    const script = files.find((file) => file.path === 'docs.js');
    assert.ok(script !== undefined);
    const chunks = files.filter((file) => file.path.startsWith('chunks/')).reduce((sum, file) => sum + file.gzipBytes, 0);
    console.log(`# docs.js: ${script.bytes} bytes, ${script.gzipBytes} gzipped (+ ${chunks} bytes gzipped of chunks shared with the other pages)`);
    assert.ok(script.gzipBytes < 160_000, `docs.js is ${script.gzipBytes} bytes gzipped`);
  });

  it('two people typing at once converge to the same text, and see each other\'s cursor and name', async () => {
    alice = await openDocs('/docs.html?doc=shared', 'Alice');
    bob = await openDocs('/docs.html?doc=shared', 'Bob');
    const fromAlice = 'Alice writes the opening line. ';
    const fromBob = 'Bob adds his part. ';
    await Promise.all([typeAt(alice, 'start', fromAlice), typeAt(bob, 'end', fromBob)]);
    // Typed at once, the two may interleave where the cursors met: every character is
    // there, each person's in the order typed, and both pages hold the same text.
    const length = fromAlice.length + fromBob.length;
    await waitText(alice, (text, expected) => text.length === expected, 'Alice to see both', length);
    await waitText(bob, (text, expected) => text.length === expected, 'Bob to see both', length);
    const text = await textOf(alice);
    assert.equal(await textOf(bob), text);
    assert.ok(isSubsequence(fromAlice, text) && isSubsequence(fromBob, text), text);

    await bob.keyboard.press('Enter');
    await bob.keyboard.type('Where is my cursor?');
    await alice.locator('.cm-ySelectionInfo', { hasText: 'Bob' }).waitFor(WAIT);
    await bob.locator('.cm-ySelectionInfo', { hasText: 'Alice' }).waitFor(WAIT);
    await alice.locator('#people .person', { hasText: 'Bob' }).waitFor(WAIT);
    await waitText(alice, (text) => text.includes('Where is my cursor?'), 'Alice to see Bob\'s second line');
    await alice.screenshot({ path: join(ARTIFACTS, 'yjs-docs-cursors.png') });
  });

  it('one goes offline, both keep typing, it comes back and both converge', async () => {
    await bob.click('#offline');
    await bob.waitForFunction(() => (window as unknown as { volleyDocs: PageDocs }).volleyDocs.provider.synced === false, undefined, WAIT);
    await typeAt(alice, 'end', ' [Alice while Bob is away]');
    await typeAt(bob, 'start', '[Bob offline] ');
    await waitText(alice, (text) => text.endsWith(' [Alice while Bob is away]'), 'Alice to hold her edit');
    assert.ok(!(await textOf(alice)).includes('[Bob offline]'), 'Bob\'s offline edit reached Alice while offline');
    await alice.locator('.cm-ySelectionInfo', { hasText: 'Bob' }).waitFor({ ...WAIT, state: 'detached' });
    assert.ok(!(await textOf(bob)).includes('[Alice while Bob is away]'), 'Alice\'s edit reached Bob while offline');
    await bob.screenshot({ path: join(ARTIFACTS, 'yjs-docs-offline.png') });

    await bob.click('#offline');
    await waitSynced(bob);
    const merged = (text: string) => text.includes('[Bob offline]') && text.includes('[Alice while Bob is away]');
    await waitText(alice, merged, 'Alice to get Bob\'s offline edit');
    await waitText(bob, merged, 'Bob to get Alice\'s edit');
    assert.equal(await textOf(alice), await textOf(bob));
  });

  it('a third person joining after the history was trimmed sees the whole document', async () => {
    // Make sure the history lost the start of the document: more than twice its size.
    while ((await docs.server.hub.history('docs:shared', { limit: 0 })).offset <= 10) {
      const merged = docs.service.stats.updates;
      await typeAt(alice, 'end', '.');
      await until(() => docs.service.stats.updates > merged, 'the edit to reach the server', 60_000);
    }
    const history = await docs.server.hub.history('docs:shared');
    assert.ok(history.publications.length <= 5 && history.offset > 10, `history keeps ${history.publications.length} of ${history.offset}`);
    const carol = await openDocs('/docs.html?doc=shared', 'Carol');
    const expected = await textOf(alice);
    await waitText(carol, (text) => text.length > 0, 'Carol to see the document');
    assert.equal(await textOf(carol), expected);
    await carol.locator('#people .person', { hasText: 'Alice' }).waitFor(WAIT);
  });

  it('the document is still there after the server restarts, and editing goes on', async () => {
    const before = await textOf(alice);
    await docs.close(); // saves the document to the file store
    await start();
    const dave = await openDocs('/docs.html?doc=shared', 'Dave');
    assert.equal(await textOf(dave), before);
    // Alice's page reconnects by itself and keeps editing.
    await waitSynced(alice);
    await typeAt(alice, 'end', ' [after restart]');
    await waitText(dave, (text) => text.endsWith(' [after restart]'), 'Dave to see Alice after the restart');
  });

  it('a read-only token sees the document but cannot change it', async () => {
    const channel = '$docs:plan';
    const writerHash = `#token=${await token({ sub: 'ann' })}&doctoken=${await token({ sub: 'ann', channel, info: { access: 'write' } })}`;
    const readerHash = `#token=${await token({ sub: 'rex' })}&doctoken=${await token({ sub: 'rex', channel, info: { access: 'read' } })}`;
    const writer = await openDocs(`/docs.html?doc=plan${writerHash}`, 'Ann');
    const reader = await openDocs(`/docs.html?doc=plan${readerHash}`, 'Rex');
    await typeAt(writer, 'start', 'Only Ann may write here.');
    await waitText(reader, (text) => text === 'Only Ann may write here.', 'the reader to see the writer');
    assert.equal(await reader.isVisible('#read-only'), true);
    assert.equal(await writer.isVisible('#read-only'), false);

    // The editor refuses input, and a publish made around it is refused by the server.
    await reader.click('.cm-content');
    await reader.keyboard.type('Rex tries to write');
    const foreign = new Y.Doc();
    foreign.getText('text').insert(0, 'rex!');
    const refused = await reader.evaluate(async (update) => {
      const { provider } = (window as unknown as { volleyDocs: PageDocs }).volleyDocs;
      try {
        await provider.subscription.publish({ u: update });
        return 'accepted';
      } catch (error) {
        return (error as { code: number }).code;
      }
    }, toBase64(Y.encodeStateAsUpdate(foreign)));
    assert.equal(refused, 103);
    await typeAt(writer, 'end', ' Still only Ann.');
    await waitText(reader, (text) => text === 'Only Ann may write here. Still only Ann.', 'the reader to see the next edit');
    assert.equal(await textOf(writer), 'Only Ann may write here. Still only Ann.');
    await reader.screenshot({ path: join(ARTIFACTS, 'yjs-docs-read-only.png') });
  });
});
