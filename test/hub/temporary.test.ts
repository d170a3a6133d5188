// Issue 12: a subscribe refused because the engine is away is temporary (117), and
// nothing of it stays behind; positions with the empty epoch recover against the stream.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerUnavailableError } from '../../src/broker/cluster/errors.js';
import { MemoryBroker } from '../../src/broker/memory.js';
import { isPositionKept, isRecoverable } from '../../src/hub/recovery.js';
import { WireErrorCode, isTemporary } from '../../src/wire/index.js';
import { makeHub } from './helpers.js';

class AwayBroker extends MemoryBroker {
  away = false;
  override async subscribe(...args: Parameters<MemoryBroker['subscribe']>) {
    if (this.away) throw new BrokerUnavailableError('Redis', 'redis://127.0.0.1:1');
    return super.subscribe(...args);
  }
  override async history(...args: Parameters<MemoryBroker['history']>) {
    if (this.away) throw new BrokerUnavailableError('Redis', 'redis://127.0.0.1:1');
    return super.history(...args);
  }
}

describe('temporary refusals', () => {
  it('a subscribe during an engine outage answers 117, which isTemporary says to retry, and succeeds once it is back', async () => {
    const broker = new AwayBroker({ pruneIntervalMs: 0 });
    const { hub, client } = makeHub({ broker, namespaces: { chat: { historySize: 5, presence: true } } });
    hub.onInternalError = () => assert.fail('an outage is not an internal error');
    const c = await client();
    broker.away = true;
    const refused = await c.expectError('subscribe', { channel: 'chat:a' }, WireErrorCode.unavailable);
    assert.equal(isTemporary(refused.code), true);
    assert.equal(c.connection.subscriptions.size, 0);
    assert.equal(hub.channelCount, 0);
    broker.away = false;
    assert.equal((await c.call('subscribe', { channel: 'chat:a' })).recoverable, true);
  });

  it('permanent refusals are not temporary', () => {
    for (const code of [WireErrorCode.permissionDenied, WireErrorCode.badRequest, WireErrorCode.unknownChannel, WireErrorCode.wrongTokenKind]) {
      assert.equal(isTemporary(code), false, String(code));
    }
  });
});

describe('the empty epoch', () => {
  const stream = (offsets: number[], top: number, epoch = 'e') => ({ publications: offsets.map((offset) => ({ offset, data: '1' })), offset: top, epoch });

  it('belongs to whichever stream exists, and recovers only what is all there', () => {
    assert.ok(isRecoverable({ offset: 0, epoch: '' }, stream([], 0, '')));
    assert.ok(isRecoverable({ offset: 0, epoch: '' }, stream([1, 2], 2)));
    assert.ok(!isRecoverable({ offset: 0, epoch: '' }, stream([2, 3], 3)), 'the first publication is gone');
    assert.ok(isPositionKept({ offset: 0, epoch: '' }, stream([1], 1)));
    assert.ok(isPositionKept({ offset: 0, epoch: '' }, stream([], 4), true));
    assert.ok(!isPositionKept({ offset: 0, epoch: 'x' }, stream([], 4), true));
  });
});
