// The admin console's server side: off (404) without `admin`, the login (401 on a wrong
// password, 429 after too many, an HTTP-only SameSite cookie on the right one or the
// token), the cookie granting the HTTP API only with the console's header, the signed
// session's expiry and tampering, logout, and the options' checks.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_COOKIE, AdminConsole, readCookie } from '../../src/server/admin-console.js';
import { AdminSessions, MAX_REVOKED_SESSIONS } from '../../src/server/admin-sessions.js';
import { LoginLimiter, MAX_TRACKED_ADDRESSES } from '../../src/server/login-limiter.js';
import { createServer, type VolleyServer } from '../../src/server/server.js';
import { MemoryBroker } from '../../src/broker/memory.js';
import { MemoryEngine } from '../../src/broker/memory-engine.js';
import { WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { FakeClock } from '../hub/helpers.js';

const PASSWORD = 'correct horse battery staple';
const TOKEN = 'tok-0123456789abcdef0123456789abcdef';

async function start(options: Parameters<typeof createServer>[0]): Promise<{ server: VolleyServer; base: string }> {
  const server = createServer({ port: 0, host: '127.0.0.1', ...options });
  const { port } = await server.listen();
  return { server, base: `http://127.0.0.1:${port}` };
}

const login = (base: string, body: string) => fetch(`${base}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const callApi = (base: string, headers: Record<string, string>) => fetch(`${base}/api/info`, { method: 'POST', headers, body: '{}' });
/** The status of a GET with the path sent exactly as given. */
function rawStatus(base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    httpRequest({ hostname, port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end();
  });
}
const sessionCookie = (response: Response) => response.headers.get('set-cookie')!.split(';')[0]!;

describe('admin console: off unless configured', () => {
  it('answers 404 at /admin, /admin/ and /admin/login, and mounts no API', async () => {
    const { server, base } = await start({});
    try {
      for (const path of ['/admin', '/admin/', '/admin/admin.js']) assert.equal((await fetch(`${base}${path}`)).status, 404, path);
      assert.equal((await login(base, JSON.stringify({ password: PASSWORD }))).status, 404);
      assert.equal((await callApi(base, {})).status, 404);
    } finally {
      await server.close();
    }
  });

  it('refuses admin options without a password or token, or with short ones', () => {
    assert.throws(() => createServer({ detached: true, admin: {} }), /admin.*password or token/);
    assert.throws(() => createServer({ detached: true, admin: { password: 'short' } }), /admin\.password must be a string of at least 12/);
    assert.throws(() => createServer({ detached: true, admin: { token: 'x'.repeat(31) } }), /admin\.token must be a string of at least 32/);
    assert.throws(() => createServer({ detached: true, admin: { password: PASSWORD, sessionTtlMs: 10 } }), /admin\.sessionTtlMs/);
  });
});

describe('admin console: login and the API', () => {
  let server: VolleyServer;
  let base: string;

  before(async () => {
    ({ server, base } = await start({ admin: { password: PASSWORD, token: TOKEN, maxLoginFailures: 3 }, api: { apiKey: 'backend-key' } }));
  });
  after(() => server.close());

  it('redirects /admin to /admin/ and refuses other methods on the page', async () => {
    const response = await fetch(`${base}/admin`, { redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/admin/');
    assert.equal((await fetch(`${base}/admin/`, { method: 'DELETE' })).status, 405);
    assert.equal((await fetch(`${base}/admin/login`)).status, 405);
  });

  it('exchanges the password for an HTTP-only, SameSite=Strict session cookie that grants the API with the console header', async () => {
    const response = await login(base, JSON.stringify({ password: PASSWORD }));
    assert.equal(response.status, 200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    assert.match(setCookie, new RegExp(`^${ADMIN_COOKIE}=`));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\//);
    assert.match(setCookie, /Max-Age=3600/);
    assert.equal(setCookie.includes(PASSWORD), false);
    const cookie = sessionCookie(response);
    const ok = await callApi(base, { cookie, 'x-volley-admin': '1' });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as any).result.node.broker, 'memory');
    // Without the console's header (what a cross-site form would send), the cookie is not enough.
    assert.equal((await callApi(base, { cookie })).status, 401);
    assert.equal((await callApi(base, { 'x-volley-admin': '1' })).status, 401);
    const session = await fetch(`${base}/admin/session`, { headers: { cookie } });
    assert.equal(session.status, 200);
    // The backend's API key still works beside the console.
    assert.equal((await callApi(base, { authorization: 'apikey backend-key' })).status, 200);
  });

  it('accepts the token in place of the password', async () => {
    assert.equal((await login(base, JSON.stringify({ password: TOKEN }))).status, 200);
  });

  it('refuses a tampered or foreign session cookie', async () => {
    const cookie = sessionCookie(await login(base, JSON.stringify({ password: PASSWORD })));
    const [name, value] = cookie.split('=') as [string, string];
    const [expires, nonce, signature] = value.split('.') as [string, string, string];
    const longer = `${name}=${Number(expires) + 86_400_000}.${nonce}.${signature}`;
    assert.equal((await callApi(base, { cookie: longer, 'x-volley-admin': '1' })).status, 401);
    const other = new AdminSessions({ password: 'another password entirely' }, 60_000).issue().value;
    assert.equal((await callApi(base, { cookie: `${name}=${other}`, 'x-volley-admin': '1' })).status, 401);
    assert.equal((await fetch(`${base}/admin/session`, { headers: { cookie: longer } })).status, 401);
  });

  it('answers bad login bodies with 400 and 413', async () => {
    for (const body of ['not json', '{}', '{"password": 5}', '{"password": ""}', '[]']) {
      const response = await login(base, body);
      assert.equal(response.status, 400, body);
      assert.equal(((await response.json()) as any).error.code, ErrorCode.badRequest);
    }
    const large = await login(base, JSON.stringify({ password: 'x'.repeat(5_000) }));
    assert.equal(large.status, 413);
  });

  it('logout clears the cookie and revokes its session, and no other', async () => {
    const cookie = sessionCookie(await login(base, JSON.stringify({ password: PASSWORD })));
    const other = sessionCookie(await login(base, JSON.stringify({ password: PASSWORD })));
    assert.equal((await callApi(base, { cookie, 'x-volley-admin': '1' })).status, 200);
    const response = await fetch(`${base}/admin/logout`, { method: 'POST', headers: { cookie } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('set-cookie') ?? '', new RegExp(`^${ADMIN_COOKIE}=;.*Max-Age=0`));
    assert.deepEqual(((await response.json()) as any).result, { revoked: true, everywhere: true });
    // A copy of the cookie kept after the logout opens nothing.
    assert.equal((await callApi(base, { cookie, 'x-volley-admin': '1' })).status, 401);
    assert.equal((await fetch(`${base}/admin/session`, { headers: { cookie } })).status, 401);
    assert.equal((await callApi(base, { cookie: other, 'x-volley-admin': '1' })).status, 200);
    // Without a valid session there is nothing to revoke.
    const anonymous = await fetch(`${base}/admin/logout`, { method: 'POST' });
    assert.equal(anonymous.status, 200);
    assert.deepEqual(((await anonymous.json()) as any).result, { revoked: false, everywhere: true });
  });

  it('refuses wrong passwords with 401, then the address with 429 and retry-after, even for the right one', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await login(base, JSON.stringify({ password: `wrong ${i}` }));
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as any).error.code, ErrorCode.unauthorized);
    }
    const limited = await login(base, JSON.stringify({ password: PASSWORD }));
    assert.equal(limited.status, 429);
    assert.equal(((await limited.json()) as any).error.code, ErrorCode.tooManyRequests);
    const wait = Number(limited.headers.get('retry-after'));
    assert.ok(wait > 0 && wait <= 60, `retry-after ${wait}`);
  });
});

describe('admin console: an API under another prefix', () => {
  it('tells the page where the API is', async () => {
    const { server, base } = await start({ admin: { password: PASSWORD }, api: { apiKey: 'k', prefix: '/v1' } });
    try {
      const response = await login(base, JSON.stringify({ password: PASSWORD }));
      assert.equal(((await response.json()) as any).result.apiPrefix, '/v1');
      const cookie = sessionCookie(response);
      const session = await fetch(`${base}/admin/session`, { headers: { cookie } });
      assert.equal(((await session.json()) as any).result.apiPrefix, '/v1');
      const info = await fetch(`${base}/v1/info`, { method: 'POST', headers: { cookie, 'x-volley-admin': '1' }, body: '{}' });
      assert.equal(info.status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('admin console: an admin-only server', () => {
  it('mounts the API for the console alone: no API key is accepted', async () => {
    const { server, base } = await start({ admin: { password: PASSWORD } });
    try {
      assert.equal((await callApi(base, { authorization: 'apikey ' })).status, 401);
      assert.equal((await callApi(base, { authorization: 'apikey undefined' })).status, 401);
      const cookie = sessionCookie(await login(base, JSON.stringify({ password: PASSWORD })));
      assert.equal((await callApi(base, { cookie, 'x-volley-admin': '1' })).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('admin console: two nodes on one broker', () => {
  it('a session from one node opens the other, and a logout on one ends it on both (on its own node only while the broker is down)', async () => {
    const engine = new MemoryEngine();
    const brokers = [new MemoryBroker({ engine, pruneIntervalMs: 0 }), new MemoryBroker({ engine, pruneIntervalMs: 0 })];
    const nodes = await Promise.all(brokers.map((broker) => start({ broker, admin: { password: PASSWORD } })));
    try {
      const [a, b] = nodes.map((node) => node.base) as [string, string];
      const cookie = sessionCookie(await login(a, JSON.stringify({ password: PASSWORD })));
      assert.equal((await callApi(b, { cookie, 'x-volley-admin': '1' })).status, 200);
      const logout = await fetch(`${a}/admin/logout`, { method: 'POST', headers: { cookie } });
      assert.deepEqual(((await logout.json()) as any).result, { revoked: true, everywhere: true });
      assert.equal((await callApi(b, { cookie, 'x-volley-admin': '1' })).status, 401);
      assert.equal((await callApi(a, { cookie, 'x-volley-admin': '1' })).status, 401);

      // With the broker unreachable the logout still holds on its own node, and says the others were not told.
      const second = sessionCookie(await login(a, JSON.stringify({ password: PASSWORD })));
      brokers[0]!.publishControl = () => Promise.reject(new Error('broker down'));
      const partial = await fetch(`${a}/admin/logout`, { method: 'POST', headers: { cookie: second } });
      assert.equal(partial.status, 200);
      assert.deepEqual(((await partial.json()) as any).result, { revoked: true, everywhere: false });
      assert.equal((await callApi(a, { cookie: second, 'x-volley-admin': '1' })).status, 401);
      assert.equal((await callApi(b, { cookie: second, 'x-volley-admin': '1' })).status, 200);
    } finally {
      for (const { server } of nodes) await server.close();
      for (const broker of brokers) await broker.close();
    }
  });
});

describe('admin console: the page', () => {
  let dir: string;
  let http: Server;
  let base: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'volley-admin-page-'));
    await writeFile(join(dir, 'admin.html'), '<!doctype html><title>console</title>');
    await writeFile(join(dir, 'admin.js'), 'export {};');
    const admin = new AdminConsole({ password: PASSWORD }, Date.now, dir);
    http = createHttpServer((req, res) => {
      if (!admin.handleRequest(req, res)) res.writeHead(418).end();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the built page at /admin/ with headers that keep it out of frames and caches', async () => {
    const response = await fetch(`${base}/admin/`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /console/);
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal((await fetch(`${base}/admin/admin.js`)).status, 200);
    // fetch() resolves dot segments itself: send the raw paths.
    for (const path of ['/admin/../../package.json', '/admin/%2e%2e/%2e%2e/package.json', '/admin/..%2f..%2fpackage.json']) {
      assert.equal(await rawStatus(base, path), 404, path);
    }
    assert.equal((await fetch(`${base}/other`)).status, 418, 'other paths pass on');
  });
});

describe('admin sessions and the login limiter', () => {
  it('a session expires after its lifetime', () => {
    const clock = new FakeClock();
    const sessions = new AdminSessions({ password: PASSWORD }, 60_000, clock.now);
    const { value, expiresAt } = sessions.issue();
    assert.equal(sessions.verify(value), expiresAt);
    clock.advance(59_999);
    assert.equal(sessions.verify(value), expiresAt);
    clock.advance(1);
    assert.equal(sessions.verify(value), undefined);
    for (const bad of [undefined, '', 'a.b', 'x'.repeat(500), `${value}x`]) assert.equal(sessions.verify(bad), undefined);
  });

  it('a revoked session is refused until it expires, and the revocations stay bounded', () => {
    const clock = new FakeClock();
    const sessions = new AdminSessions({ password: PASSWORD }, 60_000, clock.now);
    const kept = sessions.issue().value;
    const gone = sessions.issue().value;
    sessions.revoke(sessions.identify(gone)!);
    assert.equal(sessions.verify(gone), undefined);
    assert.notEqual(sessions.verify(kept), undefined);
    assert.equal(sessions.revokedCount, 1);
    // Revocations of expired sessions are forgotten when room is needed.
    clock.advance(60_000);
    for (let i = 0; i < MAX_REVOKED_SESSIONS - 1; i++) sessions.revoke({ nonce: `n${i}`, expiresAt: clock.now() + 60_000 });
    assert.equal(sessions.revokedCount, MAX_REVOKED_SESSIONS);
    const live = sessions.issue().value;
    sessions.revoke(sessions.identify(live)!);
    assert.equal(sessions.revokedCount, MAX_REVOKED_SESSIONS, 'the expired one made room');
    assert.equal(sessions.verify(live), undefined);
    // One more live revocation than it can hold ends every session issued so far instead.
    clock.advance(1);
    const older = sessions.issue().value;
    sessions.revoke({ nonce: 'one-too-many', expiresAt: clock.now() + 60_000 });
    assert.equal(sessions.revokedCount, 0);
    assert.equal(sessions.verify(older), undefined);
    clock.advance(1);
    const fresh = sessions.issue().value;
    assert.notEqual(sessions.verify(fresh), undefined);
    // Nonces that are not ours and expired sessions are not remembered at all.
    sessions.revoke({ nonce: 'x'.repeat(17), expiresAt: clock.now() + 60_000 });
    sessions.revoke({ nonce: 'past', expiresAt: clock.now() });
    assert.equal(sessions.revokedCount, 0);
  });

  it('compares password and token whole', () => {
    const sessions = new AdminSessions({ password: PASSWORD, token: TOKEN }, 60_000);
    assert.equal(sessions.matches(PASSWORD), true);
    assert.equal(sessions.matches(TOKEN), true);
    assert.equal(sessions.matches(PASSWORD.slice(0, -1)), false);
    assert.equal(sessions.matches(`${PASSWORD} `), false);
    assert.equal(sessions.matches(''), false);
  });

  it('counts failures per address within the window, and stays bounded', () => {
    const clock = new FakeClock();
    const limiter = new LoginLimiter(2, 60_000, clock.now);
    limiter.fail('a');
    assert.equal(limiter.retryAfter('a'), 0);
    limiter.fail('a');
    assert.equal(limiter.retryAfter('a'), 60);
    assert.equal(limiter.retryAfter('b'), 0, 'another address is not affected');
    clock.advance(60_000);
    assert.equal(limiter.retryAfter('a'), 0, 'the window has passed');
    for (let i = 0; i < MAX_TRACKED_ADDRESSES + 500; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`);
    assert.ok(limiter.size <= MAX_TRACKED_ADDRESSES);
    assert.ok(limiter.retryAfter('fresh') > 0, 'a full table refuses new addresses until entries expire');
    clock.advance(60_000);
    assert.equal(limiter.retryAfter('fresh'), 0);
  });

  it('reads one cookie out of a Cookie header', () => {
    assert.equal(readCookie('a=1; volley_admin=xyz; b=2', 'volley_admin'), 'xyz');
    assert.equal(readCookie('volley_adminx=1', 'volley_admin'), undefined);
    assert.equal(readCookie(undefined, 'volley_admin'), undefined);
  });
});
