import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from '../../src/server/index.js';

const bundleBuilt = existsSync(new URL('../../dist/client/volley-client.min.js', import.meta.url));

test('the browser client is served at /volley-client.js', { skip: bundleBuilt ? false : 'client bundle not built (npm run build)' }, async () => {
  const server = createServer({ port: 0, host: '127.0.0.1', heartbeatIntervalMs: 0 });
  const { port } = await server.listen();
  try {
    const res = await fetch(`http://127.0.0.1:${port}/volley-client.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    const code = await res.text();
    assert.match(code, /export\s*\{/);
    assert.doesNotMatch(code, /from\s*["']node:/);
  } finally {
    await server.close();
  }
});
