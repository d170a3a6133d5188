/** The binary types send() and prepareMessage() accept. */
export type BinaryData = Buffer | ArrayBuffer | ArrayBufferView;

/**
 * The one conversion of binary data to a Buffer (no copy: a view of the same memory), or
 * null when `data` is not binary (a string, a number, a Blob ...).
 */
export function binaryToBuffer(data: unknown): Buffer | null {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return null;
}
