// loggingObserver: the hub's events as log lines with their documented fields and levels.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loggingObserver, type Logger } from '../../src/server/logger.js';
import { makeHub, settle, TestClient } from '../hub/helpers.js';

function memoryLogger(): Logger & { lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push({ ...fields, level, msg });
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

describe('loggingObserver', () => {
  it('logs open, connect, a slow consumer cut (warn) and disconnects by server and client', async () => {
    const { hub } = makeHub({ namespaces: { room: {} }, limits: { highWaterMark: 1000 } });
    const logger = memoryLogger();
    hub.observe(loggingObserver(logger));
    const slow = new TestClient(hub);
    await slow.call('connect', { name: 'x' });
    await slow.call('subscribe', { channel: 'room:a' });
    const leaving = new TestClient(hub);
    await leaving.call('connect', {});
    slow.session.stalled = true;
    await hub.publish('room:a', { secret: 'body-must-not-be-logged', pad: 'x'.repeat(1000) });
    await settle();
    leaving.connection.handleClose();

    const events = logger.lines.map((l) => `${l.level}:${l.event}`);
    assert.deepEqual(events, [
      'debug:open', 'info:connect', 'debug:open', 'info:connect',
      'warn:slow_consumer', 'info:disconnect', 'info:disconnect',
    ]);
    const cut = logger.lines.find((l) => l.event === 'disconnect' && l.by === 'server');
    assert.deepEqual({ conn: cut?.conn, code: cut?.code, transport: cut?.transport }, { conn: slow.connection.id, code: 3002, transport: 'websocket' });
    const left = logger.lines.findLast((l) => l.event === 'disconnect');
    assert.equal(left?.by, 'client');
    assert.equal(left?.code, undefined);
    assert.ok(!JSON.stringify(logger.lines).includes('body-must-not-be-logged'));
  });
});
