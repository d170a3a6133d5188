// Who may subscribe to and publish into a channel. These checks are the only way into a
// channel, so no channel data reaches a connection that may not see it.

import { matchesChannelPattern, type ChannelName } from './channel-name.js';
import type { Connection } from './connection.js';
import { HubError } from './errors.js';
import type { ResolvedNamespace } from './namespaces.js';

/** Verifies a subscription token for this user and channel; returns its `info` claim. */
export type SubscriptionTokenCheck = (token: string, user: string, channel: string) => Promise<unknown>;

/**
 * Checks that the connection may subscribe; returns the `info` claim of the subscription
 * token for private channels. Order: anonymous, user-limited, private, `channels` claim.
 */
export async function authorizeSubscribe(
  connection: Connection,
  name: ChannelName,
  namespace: ResolvedNamespace,
  token: string | undefined,
  checkToken: SubscriptionTokenCheck,
): Promise<unknown> {
  checkUserAccess(connection, name, namespace);
  if (name.isPrivate) {
    if (token === undefined) throw new HubError('permissionDenied', 'a private channel needs a subscription token');
    return checkToken(token, connection.user, name.channel);
  }
  checkTokenPatterns(connection, name);
  return undefined;
}

/** A client's publish under the namespace's publish policy. */
export function authorizePublish(connection: Connection, name: ChannelName, namespace: ResolvedNamespace): void {
  switch (namespace.publish) {
    case 'server':
      throw new HubError('permissionDenied', 'only the server publishes into this channel');
    case 'subscribers':
      if (!connection.subscriptions.has(name.channel)) throw new HubError('permissionDenied', 'subscribe before publishing');
      return;
    case 'authenticated':
      // The same access as a subscribe, without a token.
      if (connection.user === '') throw new HubError('permissionDenied', 'anonymous connections may not publish here');
      checkUserAccess(connection, name, namespace);
      if (name.isPrivate && !connection.subscriptions.has(name.channel)) {
        throw new HubError('permissionDenied', 'subscribe to a private channel before publishing into it');
      }
      if (!name.isPrivate) checkTokenPatterns(connection, name);
  }
}

function checkUserAccess(connection: Connection, name: ChannelName, namespace: ResolvedNamespace): void {
  if (connection.user === '' && !namespace.allowAnonymous) {
    throw new HubError('permissionDenied', 'anonymous connections may not subscribe here');
  }
  if (name.allowedUsers !== undefined && !name.allowedUsers.includes(connection.user)) {
    throw new HubError('permissionDenied', 'channel is limited to other users');
  }
}

function checkTokenPatterns(connection: Connection, name: ChannelName): void {
  const patterns = connection.allowedChannels;
  if (patterns !== undefined && !patterns.some((pattern) => matchesChannelPattern(pattern, name.channel))) {
    throw new HubError('permissionDenied', 'channel not allowed by the token');
  }
}
