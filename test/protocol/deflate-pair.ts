// Shared by the permessage-deflate tests: a negotiated pair and promise forms of the codec calls.
import assert from 'node:assert/strict';
import { PerMessageDeflate, type PerMessageDeflateOptions } from '../../src/protocol/permessage-deflate.js';

/** A negotiated server/client pair; threshold 0 unless given. */
export function pair(serverOptions: PerMessageDeflateOptions = {}, clientOptions: PerMessageDeflateOptions = {}, maxPayload = 0) {
  const server = new PerMessageDeflate('server', { threshold: 0, ...serverOptions }, maxPayload);
  const client = new PerMessageDeflate('client', { threshold: 0, ...clientOptions }, maxPayload);
  const response = server.accept([client.offer()]);
  assert.ok(response);
  client.acceptResponse(response);
  return { server, client };
}

export const compress = (p: PerMessageDeflate, data: Buffer, fin = true) =>
  new Promise<Buffer>((resolve, reject) => p.compress(data, fin, (err, out) => (err ? reject(err) : resolve(out!))));
export const decompress = (p: PerMessageDeflate, data: Buffer, fin = true) =>
  new Promise<Buffer | undefined>((resolve, reject) => p.decompress(data, fin, (err, out) => (err ? reject(err) : resolve(out))));
