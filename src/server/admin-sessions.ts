// The admin console's credentials: the configured password or token, compared in constant
// time, and the session a right one is exchanged for. A session is a signed expiry, not a
// server-side record: its key is derived from the configured secrets, so every node of a
// cluster with the same config accepts it, and changing the password ends every session.
// Logging out revokes one: each node remembers the revoked nonces until their expiry (the
// server tells every node over the broker's control messages), at most MAX_REVOKED_SESSIONS
// of them; past that every session issued so far ends, so a flood of logouts costs no memory.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface AdminCredentials {
  password?: string | undefined;
  token?: string | undefined;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Revoked sessions one node remembers at once (under 100 bytes each with the nonce). */
export const MAX_REVOKED_SESSIONS = 10_000;
/** A nonce is 12 random bytes in base64url; anything longer is not one of ours. */
const MAX_NONCE_LENGTH = 16;

/** What identifies a valid session: its nonce, and its expiry (how long to remember a revocation). */
export interface SessionId {
  nonce: string;
  expiresAt: number;
}

export class AdminSessions {
  private readonly secrets: Buffer[];
  private readonly key: Buffer;
  /** Revoked nonces and their sessions' expiry. */
  private readonly revoked = new Map<string, number>();
  /** Sessions issued at or before this time are refused (set when `revoked` overflows). */
  private notBefore = 0;

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

  /** The session's expiry when it is one of ours, not revoked and still valid; undefined otherwise. */
  verify(value: string | undefined): number | undefined {
    return this.identify(value)?.expiresAt;
  }

  /** The nonce and expiry of a session that `verify` accepts; undefined otherwise. */
  identify(value: string | undefined): SessionId | undefined {
    if (value === undefined || value.length > 200) return undefined;
    const cut = value.lastIndexOf('.');
    if (cut < 0) return undefined;
    const body = value.slice(0, cut);
    const given = Buffer.from(value.slice(cut + 1));
    const expected = Buffer.from(this.sign(body));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const dot = body.indexOf('.');
    const expiresAt = Number(body.slice(0, dot));
    const nonce = body.slice(dot + 1);
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= this.now()) return undefined;
    if (expiresAt - this.ttlMs <= this.notBefore || this.revoked.has(nonce)) return undefined;
    return { nonce, expiresAt };
  }

  /**
   * Refuses the session from now until it expires. When MAX_REVOKED_SESSIONS live ones are
   * already remembered, every session issued until now ends instead.
   */
  revoke({ nonce, expiresAt }: SessionId): void {
    const now = this.now();
    if (expiresAt <= now || nonce.length > MAX_NONCE_LENGTH || this.revoked.has(nonce)) return;
    if (this.revoked.size >= MAX_REVOKED_SESSIONS) {
      for (const [old, until] of this.revoked) if (until <= now) this.revoked.delete(old);
    }
    if (this.revoked.size >= MAX_REVOKED_SESSIONS) {
      this.revoked.clear();
      this.notBefore = now;
      return;
    }
    this.revoked.set(nonce, expiresAt);
  }

  /** Revoked sessions remembered now. */
  get revokedCount(): number {
    return this.revoked.size;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
