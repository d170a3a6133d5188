// Who may subscribe to and publish into a channel. These checks are the only way into a
// channel, so no channel data reaches a connection that may not see it.

import { matchesChannelPattern, type ChannelName } from './channel-name.js';
import type { ClientConnection } from './client.js';
import { HubError } from './errors.js';
import type { ResolvedNamespace } from './namespaces.js';

/**
 * Checks that the client may subscribe; returns the `info` claim of the subscription
 * token for private channels. Order: anonymous, user-limited, private, `channels` claim.
 */
export async function authorizeSubscribe(
  client: ClientConnection,
  name: ChannelName,
  namespace: ResolvedNamespace,
  token: string | undefined,
): Promise<unknown> {
  checkUserAccess(client, name, namespace);
  if (name.isPrivate) {
    if (token === undefined) throw new HubError('permissionDenied', 'a private channel needs a subscription token');
    const verifier = await client.hub.verifier();
    if (verifier === undefined) throw new HubError('permissionDenied', 'subscription tokens are not configured');
    const claims = await verifier.verifySubscription(token, client.user, name.channel, client.hub.options.now());
    return claims.info;
  }
  checkTokenPatterns(client, name);
  return undefined;
}

/** For the 'authenticated' publish policy: the same access as a subscribe, without a token. */
export function authorizeAuthenticatedPublish(client: ClientConnection, name: ChannelName, namespace: ResolvedNamespace): void {
  if (client.user === '') throw new HubError('permissionDenied', 'anonymous connections may not publish here');
  checkUserAccess(client, name, namespace);
  if (name.isPrivate && !client.subscriptions.has(name.channel)) {
    throw new HubError('permissionDenied', 'subscribe to a private channel before publishing into it');
  }
  if (!name.isPrivate) checkTokenPatterns(client, name);
}

function checkUserAccess(client: ClientConnection, name: ChannelName, namespace: ResolvedNamespace): void {
  if (client.user === '' && !namespace.allowAnonymous) {
    throw new HubError('permissionDenied', 'anonymous connections may not subscribe here');
  }
  if (name.allowedUsers !== undefined && !name.allowedUsers.includes(client.user)) {
    throw new HubError('permissionDenied', 'channel is limited to other users');
  }
}

function checkTokenPatterns(client: ClientConnection, name: ChannelName): void {
  const patterns = client.allowedChannels;
  if (patterns !== undefined && !patterns.some((pattern) => matchesChannelPattern(pattern, name.channel))) {
    throw new HubError('permissionDenied', 'channel not allowed by the token');
  }
}
