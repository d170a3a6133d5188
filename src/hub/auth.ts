// JWT verification with jose, which is imported only when auth is configured.
// Connection tokens carry the user (`sub`), `exp`, an optional `channels` allow-list and
// `info`; subscription tokens add the `channel` they grant. The `kind` claim
// (TOKEN_KIND_CLAIM) keeps the two apart: neither is accepted in the other's place.

import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { TOKEN_KIND_CLAIM, TokenKind, type TokenKindValue } from '../wire/index.js';
import { HubError } from './errors.js';

export interface AuthOptions {
  /** Shared secret for HS256 tokens. */
  hmacSecret?: string;
  /** PEM (SPKI) public key or KeyObject for RS256 (RSA) or ES256/ES384 (EC P-256/P-384) tokens. */
  publicKey?: string | KeyObject;
  /** URL of a JSON Web Key Set, fetched and cached by jose (RS256, ES256, ES384, PS256, EdDSA). */
  jwksUrl?: string;
  /** Required `aud` claim value(s). Default: not checked. */
  audience?: string | string[];
  /** Required `iss` claim value(s). Default: not checked. */
  issuer?: string | string[];
  /** Seconds of clock skew accepted for `exp` and `nbf`. Default 0. */
  clockToleranceSec?: number;
}

export interface ConnectionClaims {
  user: string;
  /** Unix seconds; undefined when the token does not expire. */
  exp: number | undefined;
  /** Channel patterns the user may subscribe to; undefined: no restriction by the token. */
  channels: string[] | undefined;
  info: unknown;
}

export interface SubscriptionClaims {
  exp: number | undefined;
  info: unknown;
}

const JWKS_ALGORITHMS = ['RS256', 'ES256', 'ES384', 'PS256', 'EdDSA'];

export class TokenVerifier {
  private constructor(
    private readonly jose: typeof import('jose'),
    private readonly getKey: JWTVerifyGetKey,
    private readonly algorithms: string[],
    private readonly options: AuthOptions,
  ) {}

  static async create(options: AuthOptions): Promise<TokenVerifier> {
    const jose = await import('jose');
    const algorithms: string[] = [];
    const secret = options.hmacSecret === undefined ? undefined : new TextEncoder().encode(options.hmacSecret);
    if (secret !== undefined) algorithms.push('HS256');
    const publicKey = options.publicKey === undefined ? undefined : toKeyObject(options.publicKey);
    if (publicKey !== undefined) algorithms.push(algorithmOf(publicKey));
    const jwks = options.jwksUrl === undefined ? undefined : jose.createRemoteJWKSet(new URL(options.jwksUrl));
    if (jwks !== undefined) algorithms.push(...JWKS_ALGORITHMS.filter((a) => !algorithms.includes(a)));
    if (algorithms.length === 0) throw new TypeError('auth needs hmacSecret, publicKey or jwksUrl');

    const getKey: JWTVerifyGetKey = async (header, token) => {
      if (header.alg === 'HS256' && secret !== undefined) return secret;
      if (publicKey !== undefined && header.alg === algorithmOf(publicKey)) return publicKey;
      if (jwks !== undefined) return jwks(header, token);
      throw new jose.errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed`);
    };
    return new TokenVerifier(jose, getKey, algorithms, options);
  }

  async verifyConnection(token: string, nowMs: number): Promise<ConnectionClaims> {
    const payload = await this.verify(token, nowMs);
    requireKind(payload, TokenKind.connection);
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new HubError('unauthorized', 'token has no "sub" claim');
    const channels = payload.channels;
    if (channels !== undefined && !(Array.isArray(channels) && channels.every((c) => typeof c === 'string'))) {
      throw new HubError('unauthorized', '"channels" claim must be an array of strings');
    }
    return { user: payload.sub, exp: payload.exp, channels: channels as string[] | undefined, info: payload.info };
  }

  /** Checks a subscription token: signed by us, for this user and this channel. */
  async verifySubscription(token: string, user: string, channel: string, nowMs: number): Promise<SubscriptionClaims> {
    const payload = await this.verify(token, nowMs);
    requireKind(payload, TokenKind.subscription);
    if (payload.sub !== user) throw new HubError('permissionDenied', 'subscription token is for another user');
    if (payload.channel !== channel) throw new HubError('permissionDenied', 'subscription token is for another channel');
    return { exp: payload.exp, info: payload.info };
  }

  private async verify(token: string, nowMs: number): Promise<JWTPayload> {
    try {
      const { payload } = await this.jose.jwtVerify(token, this.getKey, {
        algorithms: this.algorithms,
        currentDate: new Date(nowMs),
        clockTolerance: this.options.clockToleranceSec ?? 0,
        ...(this.options.audience === undefined ? {} : { audience: this.options.audience }),
        ...(this.options.issuer === undefined ? {} : { issuer: this.options.issuer }),
      });
      return payload;
    } catch (error) {
      const { errors } = this.jose;
      if (error instanceof errors.JWTExpired) throw new HubError('tokenExpired', 'token expired');
      // The keys could not be had (JWKS endpoint down, slow or serving garbage): the server's
      // failure, not the token's, so it surfaces as `internal` and the client may retry.
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
        throw new Error(`verification keys unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      throw new HubError('unauthorized', `invalid token: ${error.message}`);
    }
  }
}

/** Refuses a token of another kind (error 118); see TokenKind for tokens without the claim. */
function requireKind(payload: JWTPayload, expected: TokenKindValue): void {
  const claimed = payload[TOKEN_KIND_CLAIM];
  const kind = claimed ?? (payload.channel === undefined ? TokenKind.connection : TokenKind.subscription);
  if (kind !== expected) {
    throw new HubError('wrongTokenKind', `a ${expected} token is required here, this one is of another kind`);
  }
}

function toKeyObject(key: string | KeyObject): KeyObject {
  return typeof key === 'string' ? createPublicKey(key) : key;
}

function algorithmOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return 'ES256';
    if (curve === 'secp384r1' || curve === 'P-384') return 'ES384';
  }
  throw new TypeError(`unsupported public key type: ${key.asymmetricKeyType ?? 'unknown'}`);
}
