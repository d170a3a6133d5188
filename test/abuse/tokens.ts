// Tokens for the abuse tests: connection tokens from the real `volley token` command, and
// subscription tokens signed with the same secret, shaped as docs/protocol.md describes.

import { SignJWT } from 'jose';
import { runCli } from '../cli/helpers.js';
import { SECRET } from './server.js';

/** A connection token minted by `volley token` (the issuer users run). */
export async function connectionToken(user: string, extra: string[] = []): Promise<string> {
  const result = await runCli(['token', '--sub', user, '--secret', SECRET, ...extra]);
  if (result.code !== 0) throw new Error(`volley token failed (${result.code}): ${result.stderr}`);
  return result.stdout.trim().split('\n').at(-1)!;
}

/** A subscription token for `channel`, as an application backend signs one. */
export async function subscriptionToken(user: string, channel: string, info?: unknown): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ channel, ...(info === undefined ? {} : { info }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(SECRET));
}
