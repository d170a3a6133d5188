// Tokens for the abuse tests: tokens of both kinds from the real `volley token` command, and
// subscription tokens signed with the same secret as an application backend makes them
// (docs/protocol.md, "Tokens": the `kind` claim, `channel`, `sub`).

import { SignJWT } from 'jose';
import { runCli } from '../cli/helpers.js';
import { SECRET } from './server.js';

/** A token minted by `volley token` (the issuer users run): a connection token, or a subscription token with `--channel`. */
export async function cliToken(user: string, extra: string[] = []): Promise<string> {
  const result = await runCli(['token', '--sub', user, '--secret', SECRET, ...extra]);
  if (result.code !== 0) throw new Error(`volley token ${extra.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout.trim().split('\n').at(-1)!;
}

/** A subscription token for `channel`, signed here (cheaper than a CLI run when a test needs many). */
export async function subscriptionToken(user: string, channel: string, info?: unknown): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ kind: 'subscription', channel, ...(info === undefined ? {} : { info }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(SECRET));
}
