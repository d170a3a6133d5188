import { ErrorCode, HandshakeError } from '../errors.js';
import type { ExtensionOffer } from '../extension-header.js';
import { MAX_WINDOW_BITS, type NegotiatedParams, type ResolvedOptions } from './options.js';

export const EXTENSION_NAME = 'permessage-deflate';

const SERVER_NCT = 'server_no_context_takeover';
const CLIENT_NCT = 'client_no_context_takeover';
const SERVER_MWB = 'server_max_window_bits';
const CLIENT_MWB = 'client_max_window_bits';
const KNOWN = new Set([SERVER_NCT, CLIENT_NCT, SERVER_MWB, CLIENT_MWB]);

/** One offer or response reduced to its four parameters; `undefined` = absent, `true` = present without a value. */
interface ParsedParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  clientMaxWindowBits: number | true | undefined;
}

// RFC 7692 section 7.1.2: a decimal integer 8..15 without leading zeroes.
const WINDOW_BITS = /^(?:8|9|1[0-5])$/;

/**
 * Checks the parameters of one element against RFC 7692 section 7.1: every name known,
 * none repeated, every value valid. Returns why it is not, or the parameters.
 * In a response (`isResponse`) `client_max_window_bits` needs a value.
 */
function parseParams(element: ExtensionOffer, isResponse: boolean): ParsedParams | string {
  const out: ParsedParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: undefined, clientMaxWindowBits: undefined };
  for (const [key, values] of Object.entries(element.params)) {
    if (!KNOWN.has(key)) return `unknown parameter ${key}`;
    if (values.length !== 1) return `parameter ${key} is repeated`;
    const value = values[0]!;
    if (key === SERVER_NCT || key === CLIENT_NCT) {
      if (value !== true) return `parameter ${key} takes no value`;
      if (key === SERVER_NCT) out.serverNoContextTakeover = true;
      else out.clientNoContextTakeover = true;
      continue;
    }
    const valueOptional = key === CLIENT_MWB && !isResponse;
    if (value === true) {
      if (!valueOptional) return `parameter ${key} needs a value`;
    } else if (!WINDOW_BITS.test(value)) {
      return `invalid ${key} value "${value}"`;
    }
    const bits = value === true ? true : Number(value);
    if (key === SERVER_MWB) out.serverMaxWindowBits = bits as number;
    else out.clientMaxWindowBits = bits;
  }
  return out;
}

/** Server: the response to one valid offer, and the parameters it agrees to. */
function answer(offer: ParsedParams, ours: ResolvedOptions): { response: ExtensionOffer; params: NegotiatedParams } {
  const response: ExtensionOffer = { name: EXTENSION_NAME, params: Object.create(null) };
  const serverNoContextTakeover = offer.serverNoContextTakeover || ours.serverNoContextTakeover;
  const clientNoContextTakeover = offer.clientNoContextTakeover || ours.clientNoContextTakeover;
  if (serverNoContextTakeover) response.params[SERVER_NCT] = [true];
  if (clientNoContextTakeover) response.params[CLIENT_NCT] = [true];

  // A smaller server window is always decodable by the client, so ours may be sent unasked.
  const serverBits = Math.min(offer.serverMaxWindowBits ?? MAX_WINDOW_BITS, ours.serverMaxWindowBits ?? MAX_WINDOW_BITS);
  if (offer.serverMaxWindowBits !== undefined || serverBits < MAX_WINDOW_BITS) response.params[SERVER_MWB] = [String(serverBits)];

  // The client's window may only be limited when it offered client_max_window_bits.
  let clientBits = MAX_WINDOW_BITS;
  if (offer.clientMaxWindowBits !== undefined) {
    const offered = offer.clientMaxWindowBits === true ? MAX_WINDOW_BITS : offer.clientMaxWindowBits;
    const wanted = typeof ours.clientMaxWindowBits === 'number' ? ours.clientMaxWindowBits : MAX_WINDOW_BITS;
    clientBits = Math.min(offered, wanted);
    if (clientBits < MAX_WINDOW_BITS) response.params[CLIENT_MWB] = [String(clientBits)];
  }
  return {
    response,
    params: { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits },
  };
}

/**
 * Server side of RFC 7692 section 7.1: accepts the first permessage-deflate offer that is
 * valid, declining (skipping) offers with an unknown, repeated or invalid parameter.
 * Returns null when no offer is acceptable. Never throws: the RFC never fails the handshake here.
 */
export function negotiateAsServer(offers: ExtensionOffer[], ours: ResolvedOptions): { response: ExtensionOffer; params: NegotiatedParams } | null {
  for (const offer of offers) {
    if (offer.name !== EXTENSION_NAME) continue;
    const parsed = parseParams(offer, false);
    if (typeof parsed === 'string') continue;
    return answer(parsed, ours);
  }
  return null;
}

/** Client: the offer for the handshake request. */
export function buildOffer(ours: ResolvedOptions): ExtensionOffer {
  const params: ExtensionOffer['params'] = Object.create(null);
  if (ours.serverNoContextTakeover) params[SERVER_NCT] = [true];
  if (ours.clientNoContextTakeover) params[CLIENT_NCT] = [true];
  if (ours.serverMaxWindowBits !== undefined) params[SERVER_MWB] = [String(ours.serverMaxWindowBits)];
  if (ours.clientMaxWindowBits !== undefined) params[CLIENT_MWB] = [ours.clientMaxWindowBits === true ? true : String(ours.clientMaxWindowBits)];
  return { name: EXTENSION_NAME, params };
}

function fail(why: string): HandshakeError {
  return new HandshakeError(ErrorCode.InvalidExtension, 0, `Invalid permessage-deflate response: ${why}`);
}

/**
 * Client side of RFC 7692 section 7.1: validates the server's response to our offer.
 * Throws HandshakeError (the client must fail the connection) when the response is malformed
 * or asks for something the offer did not allow.
 */
export function acceptServerResponse(response: ExtensionOffer, ours: ResolvedOptions): NegotiatedParams {
  if (response.name !== EXTENSION_NAME) throw fail(`unexpected extension ${response.name}`);
  const got = parseParams(response, true);
  if (typeof got === 'string') throw fail(got);

  // We asked the server to reset or to limit its window: it accepted only if it says so.
  if (ours.serverNoContextTakeover && !got.serverNoContextTakeover) throw fail(`${SERVER_NCT} was offered but not answered`);
  if (ours.serverMaxWindowBits !== undefined) {
    if (got.serverMaxWindowBits === undefined) throw fail(`${SERVER_MWB} was offered but not answered`);
    if (got.serverMaxWindowBits > ours.serverMaxWindowBits) throw fail(`${SERVER_MWB}=${got.serverMaxWindowBits} exceeds the offered ${ours.serverMaxWindowBits}`);
  }
  if (got.clientMaxWindowBits !== undefined && ours.clientMaxWindowBits === undefined) throw fail(`${CLIENT_MWB} was not offered`);

  // A larger client window than we offered is harmless: we keep to the smaller one.
  const offeredClientBits = typeof ours.clientMaxWindowBits === 'number' ? ours.clientMaxWindowBits : MAX_WINDOW_BITS;
  const answeredClientBits = typeof got.clientMaxWindowBits === 'number' ? got.clientMaxWindowBits : MAX_WINDOW_BITS;
  return {
    serverNoContextTakeover: got.serverNoContextTakeover,
    // Having offered client_no_context_takeover we keep to it whatever the answer (section 7.1.1.2).
    clientNoContextTakeover: got.clientNoContextTakeover || ours.clientNoContextTakeover,
    serverMaxWindowBits: got.serverMaxWindowBits ?? MAX_WINDOW_BITS,
    clientMaxWindowBits: Math.min(offeredClientBits, answeredClientBits),
  };
}
