// npm run bench's newer hub and scale rows at a tiny size, with the Go load generator: hub
// fan-out with history and with presence on, the reconnect-and-recover storm (volley.v1
// `since`; Socket.IO's connectionStateRecovery when the peers are installed), and the scale
// rows (idle subscribers over 127.0.0.x source addresses, one broadcast to all). Skipped with
// a line outside CI when Go is missing. No timing is asserted.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertFigures, bench, benchOutDir, goSkipReason, newest, peersInstalled } from './helpers.js';

describe('npm run bench: hub with history and presence, recovery storm, scale', () => {
  const out = benchOutDir({ build: true });

  test('every new scenario at the tiny size produces its figures and its report section', { timeout: 180_000, skip: goSkipReason }, async () => {
    const scenarios = ['hub-fanout-history-1k', 'hub-fanout-presence-1k', 'hub-recover-1k', 'scale-1k', 'scale-100k'];
    const servers = ['volley', 'ws', 'volley-hub', 'volley-hub-history', 'volley-hub-presence', ...(peersInstalled ? ['socketio-recover'] : [])];
    const result = await bench(['--tiny', '--no-build', '--no-install', '--servers', servers.join(','), '--out', out(), '--scenario', scenarios.join(',')]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const { doc, md } = newest(out());
    assert.deepEqual(doc.scenarios.map((s) => s.name), scenarios);
    assertFigures(doc);

    const history = doc.scenarios.find((s) => s.name === 'hub-fanout-history-1k')!;
    assert.equal(history.stats['volley-hub']!.ratio, 1, 'ratios to the plain hub');
    assert.ok(history.stats['volley-hub-history']!.median! > 0);

    // Every client recovered, nothing missing, offsets and sequence numbers contiguous.
    const storm = doc.scenarios.find((s) => s.name === 'hub-recover-1k')!;
    for (const run of storm.runs) {
      assert.match(run.command, /-mode recover -c 5 .*-proto (volley|sio) /);
      assert.equal(run.extra?.recovered, 5, `${run.server}: ${JSON.stringify(run.extra)}`);
      assert.equal(run.extra?.seq_gaps, 0);
      assert.equal(run.extra?.fell_back, 0);
      if (run.server === 'volley-hub-history') assert.equal(run.extra?.offset_gaps, 0);
    }
    assert.match(md, /^## Reconnect-and-recover storm$/m);

    // The scale rows: memory per connection and the broadcast's time, the tiny 100k over two source addresses.
    const big = doc.scenarios.find((s) => s.name === 'scale-100k')!;
    assert.match(big.runs[0]!.command, /-mode scale -c 8 -sources 2 /);
    for (const run of big.runs) assert.ok((run.extra?.broadcast_all_us ?? 0) > 0, `${run.server} broadcast time`);
    assert.match(md, /^### Scale: growth from 1k to 10k to 100k connections$/m);
  });
});
