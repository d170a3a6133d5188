// Codes of the volley.v1 protocol: error codes of replies, close codes of the server,
// and the one rule that says which of them are temporary. docs/protocol.md lists them.

/**
 * Stable numeric codes of error replies. Never renumber; only append. (Named
 * WireErrorCode so that it is never confused with the string codes of volley/protocol.)
 */
export const WireErrorCode = {
  internal: 100,
  unauthorized: 101,
  unknownChannel: 102,
  permissionDenied: 103,
  unknownCommand: 104,
  alreadySubscribed: 105,
  limitExceeded: 106,
  badRequest: 107,
  notAvailable: 108,
  tokenExpired: 109,
  notSubscribed: 110,
  tooManyRequests: 111,
  messageTooLarge: 112,
  unrecoverablePosition: 113,
  unknownRpcMethod: 114,
  notConnected: 115,
  alreadyConnected: 116,
  unavailable: 117,
  wrongTokenKind: 118,
  unknownSession: 119,
  tooManySessions: 120,
  originNotAllowed: 121,
} as const;

export type WireErrorCodeKey = keyof typeof WireErrorCode;
export type WireErrorCodeValue = (typeof WireErrorCode)[WireErrorCodeKey];

/** The name sent next to each error code (snake_case of the key). */
export const ErrorName: Readonly<Record<WireErrorCodeValue, string>> = {
  100: 'internal',
  101: 'unauthorized',
  102: 'unknown_channel',
  103: 'permission_denied',
  104: 'unknown_command',
  105: 'already_subscribed',
  106: 'limit_exceeded',
  107: 'bad_request',
  108: 'not_available',
  109: 'token_expired',
  110: 'not_subscribed',
  111: 'too_many_requests',
  112: 'message_too_large',
  113: 'unrecoverable_position',
  114: 'unknown_rpc_method',
  115: 'not_connected',
  116: 'already_connected',
  117: 'unavailable',
  118: 'wrong_token_kind',
  119: 'unknown_session',
  120: 'too_many_sessions',
  121: 'origin_not_allowed',
};

/**
 * Close codes the server uses when it ends a connection. 3000–3499: the client may
 * reconnect as it is. 3500–3999: reconnecting unchanged will fail again (get a new
 * token, fix the client). 1001 is the standard "going away" of a server shutdown.
 */
export const DisconnectCode = {
  shutdown: 1001,
  connectTimeout: 3001,
  slowConsumer: 3002,
  internal: 3003,
  cannotResume: 3004,
  unauthorized: 3500,
  badRequest: 3501,
  tokenExpired: 3502,
  forceDisconnect: 3503,
  messageTooLarge: 3504,
} as const;

export type DisconnectCodeValue = (typeof DisconnectCode)[keyof typeof DisconnectCode];

/** Error codes that say "nothing is wrong with the request: the same one may succeed later". */
const TEMPORARY_ERRORS: ReadonlySet<number> = new Set([
  WireErrorCode.internal,
  WireErrorCode.tooManyRequests,
  WireErrorCode.unavailable,
  WireErrorCode.tooManySessions,
]);

/**
 * The one rule of what is temporary, for error codes (100–999) and close codes (1000+)
 * alike. An error reply is temporary when repeating the same command later may succeed;
 * a close code is temporary when reconnecting without changing anything may succeed:
 * every close code except 3500–3999, the server's "do not reconnect unchanged" range.
 */
export function isTemporary(code: number): boolean {
  if (code < 1000) return TEMPORARY_ERRORS.has(code);
  return code < 3500 || code >= 4000;
}

/** Close codes an application (or the server API) may choose: 3000–4999 (RFC 6455, 7.4.2). */
export function isApplicationCloseCode(code: number): boolean {
  return Number.isInteger(code) && code >= 3000 && code <= 4999;
}
