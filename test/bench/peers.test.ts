// npm run bench against the peers of bench/peers at a tiny size: ws with bufferutil,
// uWebSockets.js, Socket.IO on its own engine and on uWS (the Socket.IO protocol of the Go
// load generator). Skipped with a line outside CI when Go or the peers are missing (npm run
// bench installs them on first use; in CI this test lets it). uWS over wss:// and with
// permessage-deflate too. No timing is asserted.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertFigures, bench, benchOutDir, CI, hasGo, newest, peersInstalled } from './helpers.js';

describe('npm run bench: the peers', () => {
  const out = benchOutDir({ build: false });

  test('the peers: ws with bufferutil, uWebSockets.js, Socket.IO on its engine and on uWS', { timeout: 300_000 }, async (t) => {
    if ((!hasGo || !peersInstalled) && !CI) {
      t.skip(`${hasGo ? '' : 'Go is not installed; '}${peersInstalled ? '' : 'the peers are not installed (npm install --prefix bench/peers)'}`);
      return;
    }
    const scenarios = ['echo-64', 'broadcast-1k-16', 'echo-16k-wss', 'echo-64-deflate', 'hub-fanout-1k'];
    const result = await bench(['--tiny', '--no-build', '--servers', 'ws,ws-bufferutil,uws,socketio,socketio-uws', '--out', out(), '--scenario', scenarios.join(',')]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const { doc } = newest(out());
    assertFigures(doc);
    assert.deepEqual(Object.keys(doc.scenarios.find((s) => s.name === 'echo-64')!.stats), ['ws', 'ws-bufferutil', 'uws']);
    assert.deepEqual(Object.keys(doc.scenarios.find((s) => s.name === 'hub-fanout-1k')!.stats), ['socketio', 'socketio-uws']);
    // uWS over wss:// (SSLApp) and with permessage-deflate (its shared compressor and decompressor).
    for (const name of ['echo-16k-wss', 'echo-64-deflate']) assert.deepEqual(Object.keys(doc.scenarios.find((s) => s.name === name)!.stats), ['ws', 'ws-bufferutil', 'uws'], name);
    for (const name of ['socket.io', 'uwebsockets', 'bufferutil']) assert.ok(doc.machine.peers[name], name);
  });
});
