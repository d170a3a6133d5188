// The configuration of `volley serve`, in-process: layers, the checks of every key, and the
// createServer options it becomes.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/cli/args.js';
import { loadServeConfig } from '../../src/cli/serve-command.js';
import { serverOptionsOf } from '../../src/cli/serve.js';
import { SERVE_DEFAULTS } from '../../src/cli/serve-config.js';
import { createServer } from '../../src/server/server.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-serve-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function configFile(text: string): string {
  const file = join(dir, `volley-${n++}.json`);
  writeFileSync(file, text);
  return file;
}

/** The usage error of loading this config file text (fails when it loads). */
function refusal(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    loadServeConfig({ config: configFile(text) }, env);
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.message;
  }
  assert.fail(`accepted ${text}`);
}

describe('volley serve config', () => {
  test('defaults: 127.0.0.1:8080, memory broker, demo and anonymous on', () => {
    const config = loadServeConfig({}, {});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.broker, 'memory');
    assert.equal(config.demo, true);
    assert.equal(config.allowAnonymous, true);
    assert.equal(config.shutdownTimeoutMs, SERVE_DEFAULTS.shutdownTimeoutMs);
  });

  for (const [text, expected] of [
    ['{"__proto__": {"port": 1}}', /unknown key "__proto__"/],
    ['{"constructor": 1}', /unknown key "constructor" in .*volley-\d+\.json/],
    ['{"toString": 1}', /unknown key "toString"/],
    ['{"hots": "127.0.0.1"}', /unknown key "hots".*did you mean "host"/],
    ['{"namespaces": {"chat": {"historyTtlMs": 0}}}', /namespaces\.chat\.historyTtlMs must be an integer from 1/],
    ['{"namespaces": {"__proto__": {"historyTtlMs": 0}}}', /unknown key "__proto__"/],
    ['{"namespaces": {"chat": {"publish": "everyone"}}}', /namespaces\.chat\.publish must be one of "subscribers", "authenticated", "server"/],
    ['{"limits": {"publishRate": -1}}', /limits\.publishRate must be a number greater than 0, got -1/],
    ['{"limits": {"publishRatee": 1}}', /unknown key "publishRatee".*did you mean "publishRate"/],
    ['{"presenceTtlMs": "60s"}', /presenceTtlMs must be an integer from 1 to 86400000, got "60s"/],
    ['{"maxConnections": 0}', /maxConnections must be an integer from 1/],
    ['{"port": 8080.5}', /port must be an integer from 0 to 65535, got 8080.5/],
    ['{"maxMessageSize": 1000, "limits": {"maxMessageSize": 2000}}', /maxMessageSize must be left out when limits\.maxMessageSize is given/],
    ['{"handshakeTimeoutMs": 60000}', /requestTimeoutMs must be at least handshakeTimeoutMs/],
    ['[1]', /must be an object/],
    ['{"port": 1,}', /not valid JSON/],
  ] as const) {
    test(`${text} is refused: ${expected}`, () => {
      assert.match(refusal(text), expected);
    });
  }

  test('a secret is never repeated in a message, from a flag, the environment or a file', () => {
    for (const load of [
      () => loadServeConfig({ secret: 'hunter2hunter2' }, {}),
      () => loadServeConfig({}, { VOLLEY_SECRET: 'hunter2hunter2' }),
      () => loadServeConfig({ config: configFile('{"secret": "hunter2hunter2"}') }, {}),
      () => loadServeConfig({ config: configFile('{"apiKey": ""}') }, {}),
    ]) {
      assert.throws(load, (err: unknown) => err instanceof UsageError && !/hunter2/.test(err.message) && /must be/.test(err.message));
    }
    assert.throws(() => loadServeConfig({ secret: 'hunter2hunter2' }, {}), /--secret must be a string of at least 32 characters/);
  });

  test('a UTF-8 byte order mark and a "$schema" key are fine', () => {
    const config = loadServeConfig({ config: configFile('\uFEFF{"$schema": "./schema/volley.config.schema.json", "port": 9000}') }, {});
    assert.equal(config.port, 9000);
    assert.equal('$schema' in config, false);
  });

  test('flags win over the environment, which wins over the file', () => {
    const file = configFile('{"port": 1000, "host": "::1", "broker": "nats://a:4222"}');
    const config = loadServeConfig({ config: file, port: '3000' }, { VOLLEY_PORT: '2000', VOLLEY_HOST: '0.0.0.0' });
    assert.equal(config.port, 3000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.broker, 'nats://a:4222');
  });

  test('hub options, limits and connection limits in the file reach createServer', async () => {
    const file = configFile(
      JSON.stringify({
        presenceTtlMs: 1500,
        connectTimeoutMs: 2500,
        limits: { publishRate: 5, publishBurst: 7, maxChannelsPerConnection: 9 },
        maxMessageSize: 4096,
        maxConnections: 100,
        maxConnectionsPerAddress: 10,
        exemptLoopback: false,
        handshakeTimeoutMs: 2000,
        namespaces: { news: { publish: 'server', historySize: 5, historyMetaTtlMs: 700000 } },
      }),
    );
    const options = serverOptionsOf(loadServeConfig({ config: file, 'no-demo': true }, {}));
    assert.equal(options.maxConnections, 100);
    assert.equal(options.maxConnectionsPerAddress, 10);
    assert.equal(options.exemptLoopback, false);
    assert.equal(options.handshakeTimeoutMs, 2000);
    const server = createServer({ ...options, detached: true, sweepIntervalMs: 0 });
    try {
      assert.equal(server.hub.options.presenceTtlMs, 1500);
      assert.equal(server.hub.options.connectTimeoutMs, 2500);
      assert.deepEqual(
        { ...server.hub.options.limits },
        { ...server.hub.options.limits, publishRate: 5, publishBurst: 7, maxChannelsPerConnection: 9, maxMessageSize: 4096 },
      );
    } finally {
      await server.close();
    }
  });
});

describe('volley serve: the admin console options', () => {
  const password = 'a long admin password';

  test('--admin-password and VOLLEY_ADMIN_PASSWORD turn the console on; a config file sets the rest', () => {
    assert.equal(loadServeConfig({}, {}).admin, undefined);
    assert.deepEqual(loadServeConfig({ 'admin-password': password }, {}).admin, { password });
    assert.deepEqual(loadServeConfig({}, { VOLLEY_ADMIN_PASSWORD: password }).admin, { password });
    const file = configFile(JSON.stringify({ admin: { password: 'from the file 123', sessionTtlMs: 600_000 }, nodeId: 'edge-1' }));
    const config = loadServeConfig({ config: file, 'admin-password': password }, {});
    assert.deepEqual(config.admin, { password, sessionTtlMs: 600_000 });
    assert.deepEqual(serverOptionsOf(config).admin, { password, sessionTtlMs: 600_000 });
    assert.equal(serverOptionsOf(config).nodeId, 'edge-1');
    createServer({ ...serverOptionsOf(config), detached: true });
  });

  test('a short password is refused naming where it came from, never repeating it', () => {
    const fromFlag = assert.throws(() => loadServeConfig({ 'admin-password': 'short' }, {}), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /--admin-password/);
      assert.equal(err.message.includes('short'), false);
      return true;
    });
    void fromFlag;
    assert.throws(() => loadServeConfig({}, { VOLLEY_ADMIN_PASSWORD: 'short' }), /VOLLEY_ADMIN_PASSWORD/);
    assert.match(refusal(JSON.stringify({ admin: {} })), /admin/);
    assert.match(refusal(JSON.stringify({ admin: { password: password, extra: 1 } })), /admin/);
  });
});
