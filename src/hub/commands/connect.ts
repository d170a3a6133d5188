import type { ConnectionClaims } from '../auth.js';
import type { ClientConnection } from '../client.js';
import { optionalString, requireString, type Params } from '../decode.js';
import { HubError, toWireError } from '../errors.js';
import { DisconnectCode, WireErrorCode, isTemporary, type ConnectResult, type RefreshResult } from '../../wire/index.js';

/** connect: authenticates the connection. A refusal is replied to, then the connection closes. */
export async function handleConnect(client: ClientConnection, id: number, params: Params): Promise<void> {
  if (client.state !== 'new') throw new HubError('alreadyConnected', 'connect was already sent');
  const token = optionalString(params, 'token');
  const name = optionalString(params, 'name') ?? '';
  const version = optionalString(params, 'version') ?? '';
  client.state = 'connecting';
  let settle!: () => void;
  client.connecting = new Promise((resolve) => (settle = resolve));
  try {
    const claims = await authenticate(client, token);
    if (client.isClosed) return;
    client.user = claims?.user ?? '';
    client.connInfo = claims?.info;
    client.allowedChannels = claims?.channels;
    client.expiresAt = claims?.exp;
    client.clientName = name;
    client.clientVersion = version;
    client.state = 'connected';
    client.hub.connected(client);
    const result: ConnectResult = { client: client.id };
    if (client.expiresAt !== undefined) result.expires = client.expiresAt;
    client.reply(id, result);
  } catch (error) {
    const wire = toWireError(error);
    client.replyError(id, wire);
    client.close(disconnectCodeFor(wire.code), wire.message);
  } finally {
    settle();
  }
}

async function authenticate(client: ClientConnection, token: string | undefined): Promise<ConnectionClaims | undefined> {
  const hub = client.hub;
  if (token === undefined || token === '') {
    if (!hub.options.allowAnonymous) throw new HubError('unauthorized', 'a token is required');
    return undefined;
  }
  const verifier = await hub.verifier();
  if (verifier === undefined) throw new HubError('unauthorized', 'token authentication is not configured');
  return verifier.verifyConnection(token, hub.options.now());
}

/** refresh: replaces the connection token before it expires. The user must stay the same. */
export async function handleRefresh(client: ClientConnection, id: number, params: Params): Promise<void> {
  const token = requireString(params, 'token');
  const verifier = await client.hub.verifier();
  if (verifier === undefined) throw new HubError('unauthorized', 'token authentication is not configured');
  const claims = await verifier.verifyConnection(token, client.hub.options.now());
  if (claims.user !== client.user) throw new HubError('unauthorized', 'the new token is for another user');
  if (client.isClosed) return;
  client.expiresAt = claims.exp;
  client.allowedChannels = claims.channels;
  client.connInfo = claims.info;
  client.hub.tokenRefreshed(client);
  const result: RefreshResult = {};
  if (claims.exp !== undefined) result.expires = claims.exp;
  client.reply(id, result);
}

/**
 * The close code after a refused connect: the client's own fault (a bad or expired token)
 * says "do not reconnect unchanged"; a failure on the server's side (a JWKS fetch, an engine
 * outage) says "try again", so clients back off and retry instead of giving up.
 */
function disconnectCodeFor(errorCode: number): number {
  if (errorCode === WireErrorCode.tokenExpired) return DisconnectCode.tokenExpired;
  if (isTemporary(errorCode)) return DisconnectCode.internal;
  return DisconnectCode.unauthorized;
}
