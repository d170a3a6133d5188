// `volley token` mints tokens of the kind the hub's verifier expects (issue 12).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { tokenCommand } from '../../src/cli/token-command.js';
import { TokenVerifier } from '../../src/hub/auth.js';
import { HubError } from '../../src/hub/errors.js';
import { TOKEN_KIND_CLAIM, WireErrorCode } from '../../src/wire/index.js';

const SECRET = 'a-secret-that-is-long-enough-for-hs256-tokens';

/** Runs `volley token` in this process and returns the token it printed. */
async function mint(args: string[]): Promise<string> {
  let out = '';
  const output = { stdout: { write: (text: string) => (out += text) }, stderr: { write: () => true } };
  assert.equal(await tokenCommand([...args, '--secret', SECRET], output), 0);
  return out.trim().split('\n').at(-1)!;
}

async function code(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HubError, String(error));
    return error.code;
  }
  assert.fail('expected a refusal');
}

describe('volley token', () => {
  it('mints a connection token by default, usable only as one', async () => {
    const token = await mint(['--sub', 'alice', '--channels', 'chat:*']);
    assert.equal(decodeJwt(token)[TOKEN_KIND_CLAIM], 'connection');
    const verifier = await TokenVerifier.create({ hmacSecret: SECRET });
    assert.equal((await verifier.verifyConnection(token, Date.now())).user, 'alice');
    assert.equal(await code(verifier.verifySubscription(token, 'alice', '$chat:x', Date.now())), WireErrorCode.wrongTokenKind);
  });

  it('mints a subscription token with --channel, usable only as one', async () => {
    const token = await mint(['--sub', 'alice', '--channel', '$team:plans', '--info', '{"role":"editor"}']);
    const claims = decodeJwt(token);
    assert.equal(claims[TOKEN_KIND_CLAIM], 'subscription');
    assert.equal(claims.channel, '$team:plans');
    const verifier = await TokenVerifier.create({ hmacSecret: SECRET });
    assert.deepEqual((await verifier.verifySubscription(token, 'alice', '$team:plans', Date.now())).info, { role: 'editor' });
    assert.equal(await code(verifier.verifyConnection(token, Date.now())), WireErrorCode.wrongTokenKind);
  });

  it('refuses --channel with --channels, and an invalid channel name', async () => {
    await assert.rejects(tokenCommand(['--sub', 'a', '--channel', '$x', '--channels', 'y', '--secret', SECRET]), /exclude each other/);
    await assert.rejects(tokenCommand(['--sub', 'a', '--channel', 'bad name', '--secret', SECRET]), /not a valid channel name/);
  });
});
