/**
 * Stable error codes. Each error this library raises carries one of these in `code`,
 * so applications can branch on it without parsing messages.
 */
export const ErrorCode = {
  // Frames (receiver)
  InvalidOpcode: 'WS_ERR_INVALID_OPCODE',
  UnexpectedRsv: 'WS_ERR_UNEXPECTED_RSV',
  ExpectedMask: 'WS_ERR_EXPECTED_MASK',
  UnexpectedMask: 'WS_ERR_UNEXPECTED_MASK',
  ControlTooLong: 'WS_ERR_CONTROL_FRAME_TOO_LONG',
  FragmentedControl: 'WS_ERR_FRAGMENTED_CONTROL_FRAME',
  UnexpectedContinuation: 'WS_ERR_UNEXPECTED_CONTINUATION',
  ExpectedContinuation: 'WS_ERR_EXPECTED_CONTINUATION',
  InvalidLength: 'WS_ERR_INVALID_FRAME_LENGTH',
  MessageTooBig: 'WS_ERR_MESSAGE_TOO_BIG',
  TooManyFragments: 'WS_ERR_TOO_MANY_FRAGMENTS',
  InvalidUtf8: 'WS_ERR_INVALID_UTF8',
  InvalidCloseCode: 'WS_ERR_INVALID_CLOSE_CODE',
  InvalidClosePayload: 'WS_ERR_INVALID_CLOSE_PAYLOAD',
  DecompressionFailed: 'WS_ERR_DECOMPRESSION_FAILED',
  // Handshake
  HandshakeRejected: 'WS_ERR_HANDSHAKE_REJECTED',
  InvalidHandshake: 'WS_ERR_INVALID_HANDSHAKE',
  InvalidAccept: 'WS_ERR_INVALID_ACCEPT',
  InvalidSubprotocol: 'WS_ERR_INVALID_SUBPROTOCOL',
  InvalidExtension: 'WS_ERR_INVALID_EXTENSION',
  HandshakeTimeout: 'WS_ERR_HANDSHAKE_TIMEOUT',
  // API use
  InvalidUrl: 'WS_ERR_INVALID_URL',
  InvalidState: 'WS_ERR_INVALID_STATE',
  InvalidCloseArgs: 'WS_ERR_INVALID_CLOSE_ARGS',
  InvalidData: 'WS_ERR_INVALID_DATA',
  NotOpen: 'WS_ERR_NOT_OPEN',
  // Transport
  ConnectionFailed: 'WS_ERR_CONNECTION_FAILED',
  CloseTimeout: 'WS_ERR_CLOSE_TIMEOUT',
  /** The peer does not read: the outgoing buffer passed maxBufferedAmount. */
  BufferLimit: 'WS_ERR_BUFFER_LIMIT',
  /** The peer does not read: reading was paused for backpressure longer than drainTimeout. */
  DrainTimeout: 'WS_ERR_DRAIN_TIMEOUT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error with a stable `code`. */
export class WebSocketError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebSocketError';
    this.code = code;
  }
}

/**
 * A violation of the wire protocol by the peer. `closeCode` is the status the
 * endpoint must send in its close frame when it fails the connection (1002, 1007, 1009 ...).
 */
export class ProtocolError extends WebSocketError {
  readonly closeCode: number;
  constructor(code: ErrorCode, closeCode: number, message: string) {
    super(code, message);
    this.name = 'ProtocolError';
    this.closeCode = closeCode;
  }
}

/** A handshake the endpoint refuses. On the server, `status` is the HTTP status to answer with. */
export class HandshakeError extends WebSocketError {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(code: ErrorCode, status: number, message: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.name = 'HandshakeError';
    this.status = status;
    this.headers = headers;
  }
}
