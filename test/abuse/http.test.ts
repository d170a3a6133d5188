// The HTTP side of `volley serve`: the publish API fed hostile bodies, and the static files
// asked for what a symlink points at outside their folder.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../cli/helpers.js';
import { assertServesWellBehavedClient } from './good-client.js';
import { RSS_BOUND_MIB } from './limits.js';
import { nestedJson } from './payloads.js';
import { api, assertAlive, httpRequest, stackTraceLines, sharedAbuseServer } from './server.js';

const BAD_REQUEST = 107;
const MESSAGE_TOO_LARGE = 112;
/** The folder `volley serve` serves its demo pages from (src/demo/static-dir.ts). */
const DEMO_PAGES = join(ROOT, 'dist', 'web');

describe('HTTP attacks against volley serve', () => {
  const shared = sharedAbuseServer('HTTP tests');

  test('an API publish of data nested 10,000 levels deep answers 400 with 107, and logs no stack trace', async () => {
    const channel = `chat:nested-${randomUUID()}`;
    for (let i = 0; i < 10; i++) {
      const { status, json, raw } = await api(shared.server, 'publish', `{"channel":${JSON.stringify(channel)},"data":${nestedJson()}}`);
      assert.equal(status, 400, `answered ${status}: ${raw.slice(0, 300)}`);
      assert.equal(json?.error?.code, BAD_REQUEST, raw.slice(0, 300));
    }
    assertAlive(shared.server);
    assert.deepEqual(stackTraceLines(shared.server.stderr() + shared.server.stdout()), [], 'the server logged a stack trace');
    await assertServesWellBehavedClient(shared.server);
  });

  test('an API publish over maxPublicationSize (64 KiB) is refused with 413 and 112', async () => {
    const channel = `chat:big-${randomUUID()}`;
    const { status, json, raw } = await api(shared.server, 'publish', { channel, data: 'b'.repeat(900_000) });
    assert.equal(status, 413, `a 900 KB publication answered ${status}: ${raw.slice(0, 300)}`);
    assert.equal(json?.error?.code, MESSAGE_TOO_LARGE, raw.slice(0, 300));
    // Just under the limit passes: the limit is the publication's, not some other one.
    const fits = await api(shared.server, 'publish', { channel, data: 'b'.repeat(60_000) });
    assert.equal(fits.status, 200, fits.raw.slice(0, 300));
    assert.ok(shared.rss.sample() - shared.rss.baseline <= RSS_BOUND_MIB);
  });

  test('the static files do not follow a symlink out of their folder', { skip: !existsSync(DEMO_PAGES) && 'no dist/web (run npm run build)' }, async () => {
    const outside = mkdtempSync(join(tmpdir(), 'volley-abuse-outside-'));
    const secret = `secret ${randomUUID()}`;
    writeFileSync(join(outside, 'secret.txt'), secret);
    const tag = randomUUID();
    const fileLink = join(DEMO_PAGES, `abuse-link-${tag}.txt`);
    const dirLink = join(DEMO_PAGES, `abuse-dir-${tag}`);
    symlinkSync(join(outside, 'secret.txt'), fileLink);
    symlinkSync(outside, dirLink, 'dir');
    try {
      for (const path of [`/abuse-link-${tag}.txt`, `/abuse-dir-${tag}/secret.txt`]) {
        const answer = await httpRequest(`${shared.server.httpBase}${path}`);
        assert.ok(!answer.body.includes(secret), `${path} served the file outside the folder`);
        assert.equal(answer.status, 404, `${path} answered ${answer.status}`);
      }
      // The folder itself is still served.
      assert.equal((await httpRequest(`${shared.server.httpBase}/chat.html`)).status, 200);
    } finally {
      rmSync(fileLink, { force: true });
      rmSync(dirLink, { force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
