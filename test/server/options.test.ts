// createServer checks its options with the one schema: every mistake is an OptionError
// naming the key, before anything is created; code-only values (hub, server, broker, clock)
// are allowed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { MemoryBroker } from '../../src/broker/index.js';
import { Hub } from '../../src/hub/hub.js';
import { OptionError } from '../../src/server/option-errors.js';
import { createServer, type VolleyServerOptions } from '../../src/server/server.js';

function refusal(options: unknown): OptionError {
  try {
    createServer(options as VolleyServerOptions);
  } catch (err) {
    assert.ok(err instanceof OptionError, String(err));
    assert.ok(err instanceof TypeError);
    assert.equal(err.code, 'invalid_option');
    return err;
  }
  assert.fail(`accepted ${JSON.stringify(options)}`);
}

describe('createServer options', () => {
  for (const [options, key, message] of [
    [{ prot: 1 }, 'prot', /unknown key "prot" in the options \(did you mean "port"\?\)/],
    [{ toString: 1 }, 'toString', /unknown key "toString"/],
    [{ constructor: 1 }, 'constructor', /unknown key "constructor"/],
    [JSON.parse('{"__proto__": {"port": 1}}'), '__proto__', /unknown key "__proto__"/],
    [JSON.parse('{"namespaces": {"__proto__": {"historyTtlMs": 0}}}'), 'namespaces.__proto__', /unknown key "__proto__" in namespaces/],
    [{ limits: { publishRate: 0 } }, 'limits.publishRate', /limits\.publishRate must be a number greater than 0, got 0/],
    [{ limits: { publishBurst: 'many' } }, 'limits.publishBurst', /limits\.publishBurst must be a number greater than 0, got "many"/],
    [{ limits: { maxMesageSize: 10 } }, 'limits.maxMesageSize', /did you mean "maxMessageSize"/],
    [{ port: 70000 }, 'port', /port must be an integer from 0 to 65535, got 70000/],
    [{ presenceTtlMs: 0 }, 'presenceTtlMs', /presenceTtlMs must be an integer from 1/],
    [{ namespaces: { chat: { historyTtlMs: 0 } } }, 'namespaces.chat.historyTtlMs', /namespaces\.chat\.historyTtlMs must be an integer from 1/],
    [{ namespaces: { chat: { historyTtlMs: 2_000, historyMetaTtlMs: 1_000 } } }, 'namespaces.chat.historyMetaTtlMs', /at least historyTtlMs/],
    [{ namespaces: { 'bad name': {} } }, 'namespaces.bad name', /key "bad name" in namespaces must be a name of letters/],
    [{ namespaces: { chat: { publish: 'everyone' } } }, 'namespaces.chat.publish', /one of "subscribers", "authenticated", "server"/],
    [{ perMessageDeflate: { level: 12 } }, 'perMessageDeflate.level', /perMessageDeflate\.level must be an integer from -1 to 9/],
    [{ websocket: { maxFragments: -1 } }, 'websocket.maxFragments', /websocket\.maxFragments must be an integer from 0/],
    [{ websocket: { highWaterMark: 8 * 1024 * 1024 } }, 'websocket.highWaterMark', /websocket\.highWaterMark must be at most limits\.highWaterMark/],
    [{ websocket: { drainTimeot: 1 } }, 'websocket.drainTimeot', /did you mean "drainTimeout"/],
    [{ perMessageDeflate: 'yes' }, 'perMessageDeflate', /true, false or an object/],
    [{ handshakeTimeoutMs: 20_000, requestTimeoutMs: 15_000 }, 'requestTimeoutMs', /requestTimeoutMs must be at least handshakeTimeoutMs/],
    [{ maxConnectionsPerAddress: 0 }, 'maxConnectionsPerAddress', /maxConnectionsPerAddress must be an integer from 1/],
    [{ hub: {} }, 'hub', /hub must be a Hub/],
    [{ server: {} }, 'server', /server must be an http\.Server/],
    [{ auth: {} }, 'auth', /auth must be an object with hmacSecret, publicKey or jwksUrl/],
  ] as const) {
    it(`${JSON.stringify(options)} is refused naming ${key}`, () => {
      const err = refusal(options);
      assert.equal(err.key, key);
      assert.match(err.message, message);
    });
  }

  it('never repeats a secret in its message', () => {
    const err = refusal({ auth: { hmacSecret: 'tooShortSecret' } });
    assert.match(err.message, /auth\.hmacSecret must be a string of at least 32 characters/);
    assert.doesNotMatch(err.message, /tooShortSecret/);
    const api = refusal({ api: { apiKey: 42 } });
    assert.match(api.message, /api\.apiKey must be a non-empty string$/);
  });

  it('accepts the values only code can give: a hub, a server, a broker, a clock, a KeyObject', async () => {
    const hubBroker = new MemoryBroker();
    const hub = new Hub({ broker: hubBroker, allowAnonymous: true, sweepIntervalMs: 0 });
    const existing = http.createServer();
    const a = createServer({ hub, server: existing, heartbeatIntervalMs: 0 });
    assert.equal(a.hub, hub);
    await a.close();
    await hub.close();
    await hubBroker.close();
    const broker = new MemoryBroker();
    const b = createServer({ detached: true, broker, now: () => 0, sweepIntervalMs: 0, heartbeatIntervalMs: 0 });
    await b.close();
    await broker.close();
  });
});
