// The layering rules of .dependency-cruiser.mjs catch what they promise: a wrong import
// between layers, a Node-only import in the browser SDK, and an import cycle, each in a
// small fixture tree. `npm run lint` applies the same rules to src/ itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { cruise, type IViolation } from 'dependency-cruiser';

const configUrl = new URL('../../.dependency-cruiser.mjs', import.meta.url).href;
const config = (await import(configUrl)).default as { forbidden: unknown[] };

async function violations(baseDir: string): Promise<IViolation[]> {
  const result = await cruise(['src'], {
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden } as never,
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
  });
  if (typeof result.output === 'string') throw new Error('unexpected string output');
  return result.output.summary.violations;
}

test('a wrong import, a Node-only import in the SDK and a cycle are each reported', async () => {
  const found = await violations(fileURLToPath(new URL('../fixtures/layers', import.meta.url)));
  const seen = found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
  assert.deepEqual(seen, [
    'client-runs-in-browsers: src/client/uses-net.ts -> net',
    'hub-never-touches-sockets: src/hub/reaches-into-ws.ts -> src/ws/socket.ts',
    'no-cycles: src/protocol/a.ts -> src/protocol/b.ts',
  ]);
});
