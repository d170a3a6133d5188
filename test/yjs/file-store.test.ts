// The embedded file store and the service's option checks.

import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { Hub } from '../../src/hub/hub.js';
import { MemoryBroker } from '../../src/broker/memory.js';
import { DocumentService, FileDocumentStore, MemoryDocumentStore } from '../../src/yjs/server/index.js';
import { fromBase64, toBase64 } from '../../src/yjs/index.js';
import { tempDir } from './helpers.js';

describe('FileDocumentStore', () => {
  it('returns undefined for a document never saved, and what was saved last otherwise', async () => {
    const dir = tempDir('store');
    try {
      const store = new FileDocumentStore(`${dir.path}/nested/docs`);
      assert.equal(await store.load('docs:none'), undefined);
      await store.save('docs:a', Uint8Array.of(1, 2, 3));
      await store.save('docs:a', Uint8Array.of(4, 5));
      assert.deepEqual(await store.load('docs:a'), Uint8Array.of(4, 5));
      assert.deepEqual(readdirSync(`${dir.path}/nested/docs`), ['docs%3Aa.ydoc']);
    } finally {
      dir.remove();
    }
  });

  it('keeps names that cannot be file names apart: path characters encoded, long names hashed', async () => {
    const dir = tempDir('store');
    try {
      const store = new FileDocumentStore(dir.path);
      const long = `docs:${'é'.repeat(100)}`;
      for (const name of ['docs:../../etc/passwd', 'docs:a/b', long]) {
        await store.save(name, new TextEncoder().encode(name));
        assert.equal(new TextDecoder().decode(await store.load(name)), name);
      }
      assert.match(basename(store.fileOf(long)), /^sha256-[0-9a-f]{64}\.ydoc$/);
      assert.equal(readdirSync(dir.path).length, 3);
      assert.ok(readdirSync(dir.path).every((file) => !file.includes('/') && file.endsWith('.ydoc')));
    } finally {
      dir.remove();
    }
  });

  it('a load that fails for another reason than a missing file throws', async () => {
    const dir = tempDir('store');
    try {
      const store = new FileDocumentStore(dir.path);
      writeFileSync(`${dir.path}/not-a-dir`, '');
      const broken = new FileDocumentStore(`${dir.path}/not-a-dir`);
      await assert.rejects(broken.load('docs:x'), { code: 'ENOTDIR' });
      await assert.rejects(broken.save('docs:x', Uint8Array.of(1)));
      assert.equal(await store.load('docs:x'), undefined);
    } finally {
      dir.remove();
    }
  });
});

describe('DocumentService options and base64', () => {
  it('refuses out-of-range options by name', async () => {
    const hub = new Hub({ sweepIntervalMs: 0, broker: new MemoryBroker() });
    const store = new MemoryDocumentStore();
    for (const [options, name] of [
      [{ saveDelayMs: -1 }, /saveDelayMs/],
      [{ maxLoadedDocuments: 0 }, /maxLoadedDocuments/],
      [{ maxUpdateSize: 1.5 }, /maxUpdateSize/],
      [{ idleUnloadMs: Number.NaN }, /idleUnloadMs/],
      [{ namespace: 'a:b' }, /namespace/],
    ] as const) {
      assert.throws(() => new DocumentService(hub, { store, ...options }), name);
    }
    await hub.close();
  });

  it('base64 round-trips any bytes and refuses anything but strict base64', () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
    for (const text of ['A', 'AB=C', 'AAAA ', 'AA==AA==', 'AA\nAA', '****']) assert.equal(fromBase64(text), undefined, text);
    assert.deepEqual(fromBase64(''), new Uint8Array(0));
  });
});
