// The examples/ scripts, run as examples/README.md says (against the built package).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { buildOnce, finished, killAll, runCli, spawnNode } from './helpers.js';

/** Resolves with the first ws:// URL a child prints. */
function printedUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const match = /ws:\/\/\S+/.exec(out);
      if (match) resolve(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}

describe('examples', () => {
  before(buildOnce);
  after(killAll);

  test('echo-server answers "Server: " + message; echo-client sends lines until "exit"', async () => {
    const server = spawnNode('examples/echo-server.mjs', [], { PORT: '0' });
    const url = await printedUrl(server);
    const client = spawnNode('examples/echo-client.mjs', [url]);
    const result = finished(client);
    client.stdin!.end('hi\n你好\nexit\n');
    const { code, stdout } = await result;
    assert.equal(code, 0);
    assert.match(stdout, /Server: hi\n/);
    assert.match(stdout, /Server: 你好\n/);
    server.kill('SIGINT');
  });

  test('broadcast-chat sends a message to every other client, not back to its sender', async () => {
    const server = spawnNode('examples/broadcast-chat.mjs', [], { PORT: '0' });
    const url = await printedUrl(server);
    const listener = spawnNode('bin/volley.js', ['connect', url, '--json']);
    const heard = new Promise<void>((resolve) => {
      listener.stdout!.setEncoding('utf8').on('data', (s: string) => {
        if (s.includes('"type":"open"')) resolve();
      });
    });
    const listened = finished(listener);
    await heard;
    const speaker = await runCli(['connect', url, '--wait', '300'], 'hello all\n');
    assert.equal(speaker.code, 0);
    assert.equal(speaker.stdout, '', 'the sender gets nothing back');
    listener.stdin!.end();
    const { stdout } = await listened;
    assert.ok(stdout.includes('{"dir":"in","type":"text","data":"hello all"}'), stdout);
    server.kill('SIGINT');
  });

  test('heartbeat shows protocol pings and application pongs, then ends', async () => {
    const { code, stdout } = await finished(spawnNode('examples/heartbeat.mjs', []));
    assert.equal(code, 0);
    assert.match(stdout, /protocol ping from the server/);
    assert.match(stdout, /application pong 3\/3/);
    assert.match(stdout, /closed \(1000\)/);
  });
});
