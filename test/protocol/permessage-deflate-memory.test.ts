import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerMessageDeflate, type PerMessageDeflateOptions } from '../../src/protocol/permessage-deflate.js';

// Memory held per connection by permessage-deflate. Each scenario runs in a fresh process
// (this file, with PMD_MEMORY_SCENARIO set) so that one scenario's freed zlib memory does not
// blur the next. Resident memory is what counts: zlib state is native, outside the V8 heap.
// Figures are printed as diagnostics and quoted in docs/compression.md; the assertions only
// check orders of magnitude.

const N = 1000;
const KiB = 1024;

const SCENARIOS: Record<string, { options: PerMessageDeflateOptions; use: boolean }> = {
  'negotiated, no message yet': { options: {}, use: false },
  'context takeover (defaults), after one message each way': { options: {}, use: true },
  'no context takeover, after one message each way': { options: { serverNoContextTakeover: true, clientNoContextTakeover: true }, use: true },
  'takeover, window bits 10 and memLevel 4': { options: { serverMaxWindowBits: 10, clientMaxWindowBits: 10, memLevel: 4 }, use: true },
};

interface Measurement { rss: number; heap: number; external: number }

async function measure(options: PerMessageDeflateOptions, use: boolean): Promise<Measurement> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const message = Buffer.from(JSON.stringify(Array.from({ length: 80 }, (_, i) => ({ id: i, text: `hello ${i}` }))));
  const held: PerMessageDeflate[] = [];
  const make = () => {
    const server = new PerMessageDeflate('server', { threshold: 0, ...options }, 0);
    const client = new PerMessageDeflate('client', { threshold: 0, ...options }, 0);
    client.acceptResponse(server.accept([client.offer()])!);
    return { server, client };
  };
  // Warm up code paths before the baseline. What a client sends first is the same for every
  // connection, so it is compressed once here and no peer allocates zlib state in the loop.
  const warm = make();
  await new Promise((resolve) => warm.server.compress(message, true, resolve));
  const fromClient = await new Promise<Buffer>((resolve) => warm.client.compress(message, true, (_e, o) => resolve(o!)));
  warm.server.cleanup();
  warm.client.cleanup();
  gc();
  const m0 = process.memoryUsage();
  for (let i = 0; i < N; i++) {
    const { server, client } = make();
    client.cleanup();
    if (use) {
      // One message each way through the server's instance: a deflater and an inflater.
      await new Promise((resolve) => server.compress(message, true, resolve));
      await new Promise((resolve) => server.decompress(fromClient, true, resolve));
    }
    held.push(server);
  }
  gc();
  const m1 = process.memoryUsage();
  assert.equal(held.length, N);
  return { rss: (m1.rss - m0.rss) / N, heap: (m1.heapUsed - m0.heapUsed) / N, external: (m1.external - m0.external) / N };
}

const scenario = process.env.PMD_MEMORY_SCENARIO;
if (scenario !== undefined) {
  const { options, use } = SCENARIOS[scenario]!;
  void measure(options, use).then((m) => process.stdout.write(`${JSON.stringify(m)}\n`));
} else {
  test('memory per idle connection, with and without zlib state', (t) => {
    const kib = (n: number) => `${(n / KiB).toFixed(1)} KiB`;
    const results: Record<string, Measurement> = {};
    for (const name of Object.keys(SCENARIOS)) {
      const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)], {
        env: { ...process.env, PMD_MEMORY_SCENARIO: name, NODE_TEST_CONTEXT: '' },
        encoding: 'utf8',
      });
      assert.equal(child.status, 0, child.stderr);
      const m = JSON.parse(child.stdout.trim().split('\n').pop()!) as Measurement;
      results[name] = m;
      t.diagnostic(`${name}: ${kib(m.rss)} resident (JS heap ${kib(m.heap)}, external buffers ${kib(m.external)})`);
    }
    const [unused, takeover, noTakeover, small] = Object.values(results).map((m) => m.rss) as [number, number, number, number];
    assert.ok(unused < 8 * KiB, kib(unused));
    assert.ok(noTakeover < 32 * KiB, kib(noTakeover));
    assert.ok(takeover > 100 * KiB, kib(takeover)); // zlib's deflate state alone is ~256 KiB at w15/m8
    assert.ok(small < takeover / 2, `${kib(small)} vs ${kib(takeover)}`);
  });
}
