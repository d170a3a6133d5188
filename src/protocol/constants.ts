/** The GUID of RFC 6455 section 1.3, appended to Sec-WebSocket-Key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The only protocol version this library speaks (RFC 6455 section 4.1). */
export const WEBSOCKET_VERSION = 13;

/** Frame opcodes (RFC 6455 section 5.2). */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Close codes named by RFC 6455 section 7.4.1 and the IANA registry. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  /** Reserved: never on the wire; reported when a close frame had no code. */
  NoStatus: 1005,
  /** Reserved: never on the wire; reported when the connection dropped without a close frame. */
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
} as const;

/** Control frames carry at most 125 bytes of payload (RFC 6455 section 5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/** A close reason fits in a control frame after the two code bytes. */
export const MAX_CLOSE_REASON_BYTES = 123;
