// RFC 6455 (and RFC 7692 negotiation) without I/O: pure functions and parsers over bytes.
export { WEBSOCKET_GUID, WEBSOCKET_VERSION, Opcode, CloseCode, MAX_CONTROL_PAYLOAD, MAX_CLOSE_REASON_BYTES } from './constants.js';
export { ErrorCode, WebSocketError, ProtocolError, HandshakeError } from './errors.js';
export { type ExtensionOffer, parseExtensionHeader, formatExtensionHeader, isToken } from './extension-header.js';
export {
  type HeaderMap, type UpgradeRequest, type ValidatedUpgrade, type UpgradeResponse, type AcceptedUpgrade,
  type UpgradeResponseOptions, type ClientHandshakeOptions,
  computeAccept, generateKey, tokenList, parseSubprotocols, validateUpgradeRequest, buildUpgradeResponse,
  buildRejectResponse, buildClientHeaders, validateUpgradeResponse,
} from './handshake.js';
export { isValidWireCloseCode, isValidApplicationCloseCode, parseClosePayload, buildClosePayload } from './close.js';
export { Utf8Validator, isValidUtf8 } from './utf8.js';
export { applyMask, randomMaskKey } from './mask.js';
export { type FrameOptions, encodeFrame, encodeServerFrame, encodeTextFrame } from './frame.js';
export { type MessageInflater, type ReceiverHandlers, type ReceiverOptions, Receiver, DEFAULT_MAX_FRAGMENTS } from './receiver.js';
export {
  PerMessageDeflate, type PerMessageDeflateOptions, type NegotiatedParams, type SharedFrameCache,
  compressStateless, compressStatelessSync, statelessKey, ConcurrencyLimiter, sharedLimiter,
  DEFAULT_THRESHOLD, DEFAULT_LEVEL, DEFAULT_MEM_LEVEL, DEFAULT_CONCURRENCY_LIMIT,
} from './permessage-deflate.js';
