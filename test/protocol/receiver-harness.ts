import { Receiver, type MessageInflater } from '../../src/protocol/receiver.js';
import type { ProtocolError } from '../../src/protocol/errors.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { applyMask } from '../../src/protocol/mask.js';

export type Event =
  | { type: 'message'; data: Buffer; binary: boolean }
  | { type: 'ping' | 'pong'; data: Buffer }
  | { type: 'close'; code: number; reason: string }
  | { type: 'error'; code: string; closeCode: number };

/** A receiver that records what it emits. */
export function recordingReceiver(role: 'server' | 'client', maxPayload = 0, inflater: MessageInflater | null = null, maxFragments?: number) {
  const events: Event[] = [];
  const receiver = new Receiver(
    { role, maxPayload, inflater, maxFragments },
    {
      onMessage: (data, binary) => events.push({ type: 'message', data: Buffer.from(data), binary }),
      onPing: (data) => events.push({ type: 'ping', data: Buffer.from(data) }),
      onPong: (data) => events.push({ type: 'pong', data: Buffer.from(data) }),
      onClose: (code, reason) => events.push({ type: 'close', code, reason: reason.toString() }),
      onError: (err: ProtocolError) => events.push({ type: 'error', code: err.code, closeCode: err.closeCode }),
    },
  );
  return { receiver, events };
}

/** Feeds bytes whole, one byte at a time, and in random cuts; returns the events of each run. */
export function feedAllWays(role: 'server' | 'client', bytes: Buffer, maxPayload = 0): Event[][] {
  const runs: Event[][] = [];
  const whole = recordingReceiver(role, maxPayload);
  whole.receiver.push(Buffer.from(bytes));
  runs.push(whole.events);
  const single = recordingReceiver(role, maxPayload);
  for (const b of bytes) single.receiver.push(Buffer.from([b]));
  runs.push(single.events);
  const cuts = recordingReceiver(role, maxPayload);
  let i = 0;
  let seed = bytes.length * 7919 + 13;
  while (i < bytes.length) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (seed % 7);
    cuts.receiver.push(Buffer.from(bytes.subarray(i, i + n)));
    i += n;
  }
  runs.push(cuts.events);
  return runs;
}

/**
 * A frame as its peer would send it: masked when sent by a client (to a server receiver),
 * with a random key or the given one (for reproducible fuzzing).
 */
export function frame(
  receiverRole: 'server' | 'client',
  opcode: number,
  payload: Buffer | string,
  opts: { fin?: boolean; rsv1?: boolean; rsv?: number; maskKey?: Buffer } = {},
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const masked = receiverRole === 'server';
  let out: Buffer;
  if (masked && opts.maskKey) {
    const plain = Buffer.concat(encodeFrame(data, { opcode, fin: opts.fin ?? true, rsv1: opts.rsv1 ?? false, mask: false }));
    const headerLength = plain.length - data.length;
    const body = Buffer.from(data);
    applyMask(body, opts.maskKey);
    out = Buffer.concat([plain.subarray(0, headerLength), opts.maskKey, body]);
    out[1]! |= 0x80;
  } else {
    out = Buffer.concat(encodeFrame(data, { opcode, fin: opts.fin ?? true, rsv1: opts.rsv1 ?? false, mask: masked }));
  }
  if (opts.rsv) out[0]! |= opts.rsv;
  return out;
}
