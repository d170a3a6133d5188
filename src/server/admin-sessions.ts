// The admin console's credentials: the configured password or token, compared in constant
// time, and the session a right one is exchanged for. A session is a signed expiry, not a
// server-side record: its key is derived from the configured secrets, so every node of a
// cluster with the same config accepts it, and changing the password ends every session.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface AdminCredentials {
  password?: string | undefined;
  token?: string | undefined;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export class AdminSessions {
  private readonly secrets: Buffer[];
  private readonly key: Buffer;

  constructor(
    credentials: AdminCredentials,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    const given = [credentials.password, credentials.token].filter((s): s is string => typeof s === 'string' && s !== '');
    if (given.length === 0) throw new TypeError('admin needs a password or a token');
    this.secrets = given.map(digest);
    this.key = createHmac('sha256', 'volley admin session v1').update(given.join('\0')).digest();
  }

  /** True when `secret` is the password or the token; the time taken does not depend on where they differ. */
  matches(secret: string): boolean {
    const candidate = digest(secret);
    let match = false;
    for (const expected of this.secrets) match = timingSafeEqual(candidate, expected) || match;
    return match;
  }

  /** A new session: `expiresAt.nonce.signature`, for the cookie, and its lifetime in whole seconds. */
  issue(): { value: string; expiresAt: number; maxAgeSeconds: number } {
    const expiresAt = this.now() + this.ttlMs;
    const body = `${expiresAt}.${randomBytes(12).toString('base64url')}`;
    return { value: `${body}.${this.sign(body)}`, expiresAt, maxAgeSeconds: Math.floor(this.ttlMs / 1_000) };
  }

  /** The session's expiry when it is one of ours and still valid; undefined otherwise. */
  verify(value: string | undefined): number | undefined {
    if (value === undefined || value.length > 200) return undefined;
    const cut = value.lastIndexOf('.');
    if (cut < 0) return undefined;
    const body = value.slice(0, cut);
    const given = Buffer.from(value.slice(cut + 1));
    const expected = Buffer.from(this.sign(body));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const expiresAt = Number(body.slice(0, body.indexOf('.')));
    return Number.isSafeInteger(expiresAt) && expiresAt > this.now() ? expiresAt : undefined;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
