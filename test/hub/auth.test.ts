import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import { TokenVerifier } from '../../src/hub/auth.js';
import { HubError } from '../../src/hub/errors.js';
import { WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { SECRET, TestClient, hsToken, makeHub } from './helpers.js';

const NOW = Date.UTC(2030, 0, 1);
const nowSeconds = NOW / 1000;

async function sign(alg: string, key: CryptoKey | Uint8Array, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, ...header }).setExpirationTime(nowSeconds + 60).sign(key);
}

async function refusal(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HubError, String(error));
    return error.code;
  }
  assert.fail('expected a refusal');
}

describe('TokenVerifier', () => {
  it('verifies HS256 and maps the claims', async () => {
    const verifier = await TokenVerifier.create({ hmacSecret: SECRET });
    const token = await hsToken({ sub: 'u1', channels: ['chat:*'], info: { a: 1 } }, { expiresAt: nowSeconds + 10 });
    assert.deepEqual(await verifier.verifyConnection(token, NOW), { user: 'u1', exp: nowSeconds + 10, channels: ['chat:*'], info: { a: 1 } });
  });

  for (const alg of ['RS256', 'ES256'] as const) {
    it(`verifies ${alg} with a PEM public key, refuses a token signed by another key`, async () => {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const other = await generateKeyPair(alg);
      const verifier = await TokenVerifier.create({ publicKey: await exportSPKI(publicKey) });
      const claims = await verifier.verifyConnection(await sign(alg, privateKey, { sub: 'u2' }), NOW);
      assert.equal(claims.user, 'u2');
      assert.equal(await refusal(verifier.verifyConnection(await sign(alg, other.privateKey, { sub: 'u2' }), NOW)), ErrorCode.unauthorized);
      const hs = await hsToken({ sub: 'u2' }, { expiresAt: nowSeconds + 10 });
      assert.equal(await refusal(verifier.verifyConnection(hs, NOW)), ErrorCode.unauthorized, 'HS256 is not accepted without a secret');
    });
  }

  it('refuses expired tokens with token_expired, honouring the injected clock', async () => {
    const verifier = await TokenVerifier.create({ hmacSecret: SECRET });
    const token = await hsToken({ sub: 'u1' }, { expiresAt: nowSeconds + 10 });
    await verifier.verifyConnection(token, NOW + 9_000);
    assert.equal(await refusal(verifier.verifyConnection(token, NOW + 10_000)), ErrorCode.tokenExpired);
  });

  it('checks audience and issuer', async () => {
    const verifier = await TokenVerifier.create({ hmacSecret: SECRET, audience: 'volley', issuer: 'https://issuer' });
    const key = new TextEncoder().encode(SECRET);
    const good = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'HS256' }).setAudience('volley').setIssuer('https://issuer').sign(key);
    assert.equal((await verifier.verifyConnection(good, NOW)).user, 'u');
    const wrongAudience = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'HS256' }).setAudience('x').setIssuer('https://issuer').sign(key);
    assert.equal(await refusal(verifier.verifyConnection(wrongAudience, NOW)), ErrorCode.unauthorized);
    const wrongIssuer = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'HS256' }).setAudience('volley').setIssuer('https://evil').sign(key);
    assert.equal(await refusal(verifier.verifyConnection(wrongIssuer, NOW)), ErrorCode.unauthorized);
  });

  it('refuses alg none', async () => {
    const verifier = await TokenVerifier.create({ hmacSecret: SECRET });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u"}').toString('base64url')}.`;
    assert.equal(await refusal(verifier.verifyConnection(unsigned, NOW)), ErrorCode.unauthorized);
  });

  it('checks subscription tokens: user and channel must match', async () => {
    const verifier = await TokenVerifier.create({ hmacSecret: SECRET });
    const token = await hsToken({ sub: 'u1', channel: '$plans', info: { role: 'owner' } }, { expiresAt: nowSeconds + 10 });
    assert.deepEqual(await verifier.verifySubscription(token, 'u1', '$plans', NOW), { exp: nowSeconds + 10, info: { role: 'owner' } });
    assert.equal(await refusal(verifier.verifySubscription(token, 'u2', '$plans', NOW)), ErrorCode.permissionDenied);
    assert.equal(await refusal(verifier.verifySubscription(token, 'u1', '$other', NOW)), ErrorCode.permissionDenied);
  });

  it('needs at least one key', async () => {
    await assert.rejects(TokenVerifier.create({}), TypeError);
  });
});

describe('TokenVerifier with a JWKS URL', () => {
  let server: Server;
  let url: string;
  let signingKey: CryptoKey;
  let requests = 0;

  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    signingKey = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => {
      requests += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches the key set and verifies with the matching kid', async () => {
    const verifier = await TokenVerifier.create({ jwksUrl: url });
    const token = await sign('ES256', signingKey, { sub: 'jwks-user' }, { kid: 'k1' });
    assert.equal((await verifier.verifyConnection(token, NOW)).user, 'jwks-user');
    assert.ok(requests >= 1);
    const other = await generateKeyPair('ES256');
    const forged = await sign('ES256', other.privateKey, { sub: 'jwks-user' }, { kid: 'k1' });
    assert.equal(await refusal(verifier.verifyConnection(forged, NOW)), ErrorCode.unauthorized);
  });

  it('connects through the hub with a JWKS-signed token', async () => {
    const { hub } = makeHub({ allowAnonymous: false, auth: { jwksUrl: url }, now: () => NOW });
    const client = new TestClient(hub);
    const token = await sign('ES256', signingKey, { sub: 'via-hub' }, { kid: 'k1' });
    await client.call('connect', { token });
    assert.equal(client.connection.user, 'via-hub');
  });
});
