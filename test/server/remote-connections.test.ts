// The API's cross-node `connections` over NodeLink (two memory nodes on one engine): an
// answer, the answering node's own error with its code, and the link's failures mapped to
// the codes docs/admin.md lists: a node that does not answer (unavailable, 503), an answer
// too large (message_too_large, 413), too many waiting (too_many_requests, 429), and the
// server shutting down (unavailable).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeLink, type NodeLinkOptions } from '../../src/broker/cluster/node-link.js';
import { MemoryBroker } from '../../src/broker/memory.js';
import { MemoryEngine } from '../../src/broker/memory-engine.js';
import { HubError } from '../../src/hub/errors.js';
import { answerConnections, askConnections, CONNECTIONS_KIND } from '../../src/server/remote-connections.js';
import { WireErrorCode as ErrorCode } from '../../src/wire/index.js';

async function pair(page: (params: Record<string, unknown>) => unknown, asker: NodeLinkOptions = {}, answerer: NodeLinkOptions = {}) {
  const engine = new MemoryEngine();
  const brokers = [new MemoryBroker({ engine, pruneIntervalMs: 0 }), new MemoryBroker({ engine, pruneIntervalMs: 0 })];
  const a = new NodeLink(brokers[0]!, 'a', asker);
  const b = new NodeLink(brokers[1]!, 'b', answerer);
  answerConnections(b, page);
  await Promise.all([a.start(), b.start()]);
  return {
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
      for (const broker of brokers) await broker.close();
    },
  };
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

describe("another node's connections over the node link", () => {
  it('node b answers node a with its page', async () => {
    const { a, close } = await pair((params) => ({ node: 'b', params }));
    assert.deepEqual(await askConnections(a, 'b', { limit: 2 }), { node: 'b', params: { limit: 2 } });
    await close();
  });

  it("passes back the answering node's own error with its code and name", async () => {
    const { a, close } = await pair(() => {
      throw new HubError('badRequest', '"limit" must be at most 1000');
    });
    const error = await askConnections(a, 'b', {}).catch((e: unknown) => e);
    assert.ok(error instanceof HubError);
    assert.equal(error.code, ErrorCode.badRequest);
    assert.equal(error.errorName, 'bad_request');
    assert.match(error.message, /at most 1000/);
    await close();
  });

  it('an answer over the link\'s reply cap is message_too_large (ask for a smaller page)', async () => {
    const { a, close } = await pair(() => 'x'.repeat(20_000), {}, { maxReplyBytes: 10_000 });
    const error = await askConnections(a, 'b', {}).catch((e: unknown) => e);
    assert.ok(error instanceof HubError);
    assert.equal(error.code, ErrorCode.messageTooLarge);
    assert.match(error.message, /smaller page/);
    await close();
  });

  it('a node that does not answer is unavailable; a full link is too_many_requests', async () => {
    const { a, close } = await pair(() => 'ok', { maxPending: 2 });
    assert.equal(await codeOf(askConnections(a, 'gone', {}, 200)), ErrorCode.unavailable);
    const waiting = [askConnections(a, 'gone', {}, 60_000), askConnections(a, 'gone', {}, 60_000)].map((p) => codeOf(p));
    assert.equal(await codeOf(askConnections(a, 'b', {})), ErrorCode.tooManyRequests);
    // Closing the link (the server shutting down) fails those still waiting as unavailable.
    await close();
    assert.deepEqual(await Promise.all(waiting), [ErrorCode.unavailable, ErrorCode.unavailable]);
  });

  it('a node without the API (no handler for the kind) is an internal error, not a hang', async () => {
    const { a, b, close } = await pair(() => 'ok');
    b.remove(CONNECTIONS_KIND);
    assert.equal(await codeOf(askConnections(a, 'b', {})), ErrorCode.internal);
    await close();
  });
});
