// The hub's use of tokens: who may connect, refresh and enter a private channel. The
// verifier (jose) exists only when auth is configured; without it only anonymous
// connections exist and private channels are closed.

import type { ConnectionClaims, TokenVerifier } from './auth.js';
import { HubError } from './errors.js';
import type { ResolvedHubOptions } from './options.js';

export class TokenChecks {
  constructor(
    private readonly verifierReady: Promise<TokenVerifier | undefined>,
    private readonly options: ResolvedHubOptions,
  ) {}

  /** The claims of a connect token; undefined for an anonymous connection (when allowed). */
  async connect(token: string | undefined): Promise<ConnectionClaims | undefined> {
    if (token === undefined || token === '') {
      if (!this.options.allowAnonymous) throw new HubError('unauthorized', 'a token is required');
      return undefined;
    }
    return this.connection(token);
  }

  /** The claims of a connection token (connect, refresh). */
  async connection(token: string): Promise<ConnectionClaims> {
    const verifier = await this.verifierReady;
    if (verifier === undefined) throw new HubError('unauthorized', 'token authentication is not configured');
    return verifier.verifyConnection(token, this.options.now());
  }

  /** Checks a subscription token for this user and channel; returns its `info` claim. */
  readonly subscription = async (token: string, user: string, channel: string): Promise<unknown> => {
    const verifier = await this.verifierReady;
    if (verifier === undefined) throw new HubError('permissionDenied', 'subscription tokens are not configured');
    return (await verifier.verifySubscription(token, user, channel, this.options.now())).info;
  };
}
