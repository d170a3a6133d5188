import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frame, recordingReceiver, type Event } from './receiver-harness.js';

// A seeded generator, so that a failure can be replayed from its printed seed.
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

const RFC_FAILURE_CODES = new Set([1002, 1007, 1009]);
const MAX_PAYLOAD = 4096;
// Small, so that random streams of fragments reach it.
const MAX_FRAGMENTS = 3;

function randomFrame(role: 'server' | 'client', r: (n: number) => number): Buffer {
  const opcodes = [0, 1, 2, 8, 9, 10, r(16)];
  const opcode = opcodes[r(opcodes.length)]!;
  const sizes = [0, 1, 5, 125, 126, 127, 300, 65535, 65536];
  let size = sizes[r(sizes.length)]!;
  if (opcode >= 8 && r(4) !== 0) size = r(126);
  let payload = Buffer.alloc(size);
  if (opcode === 1 && r(2) === 0) payload = Buffer.from('你好 🌏 hello'.repeat(1 + r(4)));
  else for (let i = 0; i < Math.min(size, 64); i++) payload[i] = r(256);
  if (opcode === 8 && payload.length >= 2 && r(2) === 0) payload.writeUInt16BE([1000, 1001, 1005, 1006, 3000, 999, 5000][r(7)]!, 0);
  const maskKey = Buffer.from([r(256), r(256), r(256), r(256)]);
  return frame(r(8) === 0 ? (role === 'server' ? 'client' : 'server') : role, opcode, payload, { fin: r(4) !== 0, rsv: r(8) === 0 ? [0x40, 0x20, 0x10][r(3)]! : 0, maskKey });
}

function mutate(bytes: Buffer, r: (n: number) => number): Buffer {
  const out = Buffer.from(bytes);
  switch (r(5)) {
    case 0: // flip bits in the header
      for (let k = 0; k < 1 + r(3); k++) out[r(Math.min(out.length, 14))]! ^= 1 << r(8);
      return out;
    case 1: // random bytes anywhere
      for (let k = 0; k < 1 + r(8); k++) out[r(out.length)] = r(256);
      return out;
    case 2: // truncate
      return out.subarray(0, r(out.length + 1));
    case 3: // garbage
      return Buffer.from(Array.from({ length: 1 + r(40) }, () => r(256)));
    default:
      return out;
  }
}

function isTerminal(e: Event | undefined): boolean {
  return e !== undefined && (e.type === 'error' || e.type === 'close');
}

function runCase(role: 'server' | 'client', seed: number): number {
  const r = rng(seed);
  const { receiver, events } = recordingReceiver(role, MAX_PAYLOAD, null, MAX_FRAGMENTS);
  const frames = 1 + r(3);
  const input = Buffer.concat(Array.from({ length: frames }, () => mutate(randomFrame(role, r), r)));
  let i = 0;
  while (i < input.length) {
    const n = 1 + r(input.length);
    receiver.push(input.subarray(i, i + n));
    i += n;
  }
  // Whatever state it is in, a stream of valid close frames must make it progress: read as
  // a close, or as payload of a pending frame (which completes or passes maxPayload). It may
  // also realign into valid frames made of those bytes: then it keeps delivering messages
  // or control frames.
  const closeFrame = frame(role, 8, Buffer.from([0x03, 0xe8]), { maskKey: Buffer.from([r(256), r(256), r(256), r(256)]) });
  for (let k = 0; k < 1000 && !isTerminal(events.at(-1)); k++) receiver.push(closeFrame);
  const last = events.at(-1);
  assert.ok(last !== undefined, `seed ${seed} (${role}) produced nothing`);
  assert.ok(isTerminal(last) || last.type === 'message' || last.type === 'ping' || last.type === 'pong', `seed ${seed} (${role}) did not end: ${JSON.stringify(events.slice(-3))}`);
  if (last!.type === 'error') assert.ok(RFC_FAILURE_CODES.has(last!.closeCode), `seed ${seed}: close code ${last!.closeCode}`);
  else if (last!.type === 'close') assert.ok(last!.code === 1005 || (last!.code >= 1000 && last!.code < 5000), `seed ${seed}: ${last!.code}`);
  for (const e of events.slice(0, -1)) assert.ok(!isTerminal(e), `seed ${seed}: events after the end`);
  return frames;
}

test('100,000+ random and mutated frames in both roles end in a message or an RFC close', () => {
  let frames = 0;
  for (let seed = 1; frames < 100_000; seed++) {
    frames += runCase('server', seed);
    frames += runCase('client', seed ^ 0x5bd1e995);
  }
  assert.ok(frames >= 100_000);
});
