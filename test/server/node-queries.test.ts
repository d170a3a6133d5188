// Questions between nodes through the broker (two MemoryBrokers on one engine): an answer,
// the answering node's own error, an unknown method, an answer too large for the broker,
// a node that never answers, and too many questions at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBroker } from '../../src/broker/memory.js';
import { MemoryEngine } from '../../src/broker/memory-engine.js';
import { HubError } from '../../src/hub/errors.js';
import { MAX_ANSWER_BYTES, NodeQueries, nodeChannel } from '../../src/server/node-queries.js';
import { WireErrorCode as ErrorCode } from '../../src/wire/index.js';

function pair(handlers: ConstructorParameters<typeof NodeQueries>[2], timeoutMs = 2_000) {
  const engine = new MemoryEngine();
  const a = new NodeQueries(new MemoryBroker({ engine, pruneIntervalMs: 0 }), 'a', {}, timeoutMs);
  const b = new NodeQueries(new MemoryBroker({ engine, pruneIntervalMs: 0 }), 'b', handlers, timeoutMs);
  return { a, b, engine };
}

async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HubError, String(error));
    return error.code;
  }
  assert.fail('resolved');
}

describe('questions between nodes', () => {
  it('node b answers node a', async () => {
    const { a, b } = pair({ echo: (params) => ({ from: 'b', params }) });
    await b.start();
    assert.deepEqual(await a.ask('b', 'echo', { x: 1 }), { from: 'b', params: { x: 1 } });
    await a.stop();
    await b.stop();
  });

  it("passes back the answering node's error, and refuses an unknown method", async () => {
    const { a, b } = pair({ fail: () => { throw new HubError('badRequest', '"limit" must be at most 1000'); } });
    await b.start();
    assert.equal(await codeOf(a.ask('b', 'fail', {})), ErrorCode.badRequest);
    assert.equal(await codeOf(a.ask('b', 'nope', {})), ErrorCode.unknownCommand);
    assert.equal(await codeOf(a.ask('b', '__proto__', {})), ErrorCode.unknownCommand);
    await a.stop();
    await b.stop();
  });

  it('refuses an answer too large for the broker, asking for a smaller page', async () => {
    const { a, b } = pair({ big: () => 'x'.repeat(MAX_ANSWER_BYTES + 1) });
    await b.start();
    assert.equal(await codeOf(a.ask('b', 'big', {})), ErrorCode.messageTooLarge);
    await a.stop();
    await b.stop();
  });

  it('a node that does not answer is unavailable; too many questions at once are refused', async () => {
    const { a } = pair({}, 200);
    assert.equal(await codeOf(a.ask('gone', 'echo', {})), ErrorCode.unavailable);
    const waiting = Array.from({ length: 100 }, () => a.ask('gone', 'echo', {}).catch((error: unknown) => error));
    assert.equal(await codeOf(a.ask('gone', 'echo', {})), ErrorCode.tooManyRequests);
    await a.stop();
    for (const error of await Promise.all(waiting)) assert.equal((error as HubError).code, ErrorCode.unavailable);
  });

  it('ignores garbage on its channel', async () => {
    const { a, b, engine } = pair({ echo: () => 'ok' });
    await b.start();
    const stranger = new MemoryBroker({ engine, pruneIntervalMs: 0 });
    for (const text of ['not json', 'null', '{}', '{"type":"answer"}', '{"type":"ask","id":1}', '[1]']) await stranger.publish(nodeChannel('b'), text);
    assert.equal(await a.ask('b', 'echo', {}), 'ok');
    await a.stop();
    await b.stop();
  });
});
