import { DisconnectCode, WireErrorCode, isTemporary, type ConnectResult, type RefreshResult } from '../../wire/index.js';
import type { Connection } from '../connection.js';
import { optionalString, requireString, type Params } from '../decode.js';
import { HubError, toWireError } from '../errors.js';
import type { CommandContext } from './context.js';

/** connect: authenticates the connection. A refusal is replied to, then the connection closes. */
export async function handleConnect(context: CommandContext, connection: Connection, id: number, params: Params): Promise<void> {
  const settle = connection.beginConnect();
  try {
    const token = optionalString(params, 'token');
    const name = optionalString(params, 'name') ?? '';
    const version = optionalString(params, 'version') ?? '';
    const claims = await context.tokens.connect(token);
    if (connection.isClosed) return;
    connection.establish(
      { user: claims?.user ?? '', connInfo: claims?.info, allowedChannels: claims?.channels, expiresAt: claims?.exp },
      name,
      version,
    );
    context.authenticated(connection);
    const result: ConnectResult = { client: connection.id };
    if (connection.expiresAt !== undefined) result.expires = connection.expiresAt;
    connection.reply(id, result);
    context.observer.current.connected(connection);
  } catch (error) {
    const wire = toWireError(error);
    if (!connection.isClosed) context.observer.current.refused(connection, wire);
    connection.replyError(id, wire);
    connection.close(disconnectCodeFor(wire.code), wire.message);
  } finally {
    settle();
  }
}

/** refresh: replaces the connection token before it expires. The user must stay the same. */
export async function handleRefresh(context: CommandContext, connection: Connection, id: number, params: Params): Promise<void> {
  const token = requireString(params, 'token');
  const claims = await context.tokens.connection(token);
  if (claims.user !== connection.user) throw new HubError('unauthorized', 'the new token is for another user');
  if (connection.isClosed) return;
  connection.refresh({ expiresAt: claims.exp, allowedChannels: claims.channels, connInfo: claims.info });
  context.authenticated(connection);
  const result: RefreshResult = {};
  if (claims.exp !== undefined) result.expires = claims.exp;
  connection.reply(id, result);
}

/**
 * The close code after a refused connect: the client's own fault (a bad or expired token)
 * says "do not reconnect unchanged"; a temporary failure on the server's side (a JWKS
 * fetch, an engine outage) says "try again", so clients back off and retry.
 */
function disconnectCodeFor(errorCode: number): number {
  if (errorCode === WireErrorCode.tokenExpired) return DisconnectCode.tokenExpired;
  if (isTemporary(errorCode)) return DisconnectCode.internal;
  return DisconnectCode.unauthorized;
}
