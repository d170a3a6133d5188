// Failures on the server's side are reported as retriable, never as the client's fault.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryBroker } from '../../src/broker/memory.js';
import { createHttpApi } from '../../src/server/http-api.js';
import { DisconnectCode, WireErrorCode as ErrorCode, isTemporary } from '../../src/wire/index.js';
import { generateKeyPair, SignJWT } from 'jose';
import { TestClient, hsToken, makeHub } from './helpers.js';

/** A memory broker whose engine "goes away": publishes fail as the Redis and NATS brokers fail. */
class FlakyBroker extends MemoryBroker {
  down = false;
  override async publish(...args: Parameters<MemoryBroker['publish']>) {
    if (this.down) throw Object.assign(new Error('engine unreachable'), { name: 'BrokerUnavailableError' });
    return super.publish(...args);
  }
}

describe('failures on the server side', () => {
  it('a publish during an engine outage is refused with unavailable (117), and works again after', async () => {
    const broker = new FlakyBroker();
    const { client } = makeHub({ broker });
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    broker.down = true;
    const reply = await c.request('publish', { channel: 'news', data: 1 });
    assert.equal(reply.error.code, ErrorCode.unavailable);
    assert.equal(reply.error.name, 'unavailable');
    broker.down = false;
    assert.deepEqual(await c.call('publish', { channel: 'news', data: 2 }), {});
  });

  it('the HTTP publish API answers 503 during an engine outage', async () => {
    const broker = new FlakyBroker();
    const { hub } = makeHub({ broker });
    const api = createHttpApi(hub, { apiKey: 'k' });
    const server = http.createServer((req, res) => api(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    broker.down = true;
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/publish`, {
      method: 'POST',
      headers: { authorization: 'apikey k', 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'news', data: 1 }),
    });
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, ErrorCode.unavailable);
    server.close();
  });

  it('a connect that fails on the server side (JWKS unreachable) closes with 3003, which clients retry', async () => {
    const { hub } = makeHub({ auth: { jwksUrl: 'http://127.0.0.1:1/jwks.json' }, allowAnonymous: false });
    const c = new TestClient(hub);
    // An RS256 token, so that verification needs the (unreachable) key set.
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
    const reply = await c.request('connect', { token });
    assert.equal(reply.error.code, ErrorCode.internal);
    assert.equal(c.closeCode(), DisconnectCode.internal);
    assert.equal(isTemporary(DisconnectCode.internal), true);
  });

  it('a bad token still closes with 3500, which clients do not retry unchanged', async () => {
    const { hub } = makeHub({ auth: { hmacSecret: 'another-secret-that-is-long-enough-for-hs256' }, allowAnonymous: false });
    const c = new TestClient(hub);
    const reply = await c.request('connect', { token: await hsToken({ sub: 'alice' }) });
    assert.equal(reply.error.code, ErrorCode.unauthorized);
    assert.equal(c.closeCode(), DisconnectCode.unauthorized);
    assert.equal(isTemporary(DisconnectCode.unauthorized), false);
  });
});
