// The per-tick delta as bytes, published as a binary publication on `game:MATCH`. Little
// endian, version 1; positions quantized to 0.1 arena units (u16), ids u16 (items u32):
//
//   u8 version (1) | u8 flags (bit 0: full state, replace yours) | u32 tick | f64 at (ms since the epoch)
//   u8 n, n × player  { u16 id, u16 x×10, u16 y×10, u16 score, u8 flags (bit 0: online) }   9 B each
//   u8 n, n × name    { u16 id, u8 length, UTF-8 bytes }
//   u8 n, n × gone    { u16 id }
//   u8 n, n × item    { u32 id, u16 x×10, u16 y×10 }                                        8 B each
//   u8 n, n × taken   { u32 id }
//
// Counts are u8: the service caps players and items per match at 255 (options.ts). A
// decoder that meets another version, or bytes that end early, throws a RangeError.
// DataView, TextEncoder and TextDecoder only: the page decodes with the same code.

export const DELTA_VERSION = 1;

export interface ItemState {
  id: number;
  x: number;
  y: number;
}

/** A player's moving parts in a delta (the name travels once, in `names`). */
export interface PlayerUpdate {
  id: number;
  x: number;
  y: number;
  score: number;
  online: boolean;
}

/** One tick's changes; only what changed is present. Published as binary (encodeDelta). */
export interface GameDelta {
  /** The whole state (after a takeover by another node): replace what you have with it. */
  full?: boolean;
  tick: number;
  /** Server clock when the tick ran, ms since the epoch (delivery latency is measured against it). */
  at: number;
  /** Players that appeared or moved, scored or went on/offline. */
  players?: PlayerUpdate[];
  /** Names of players that appeared or renamed. */
  names?: Array<{ id: number; name: string }>;
  /** Ids of players gone for good (their grace period ended). */
  gone?: number[];
  items?: ItemState[];
  taken?: number[];
}

const HEADER = 14;
const MAX_COUNT = 255;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function quantize(value: number): number {
  return Math.min(0xffff, Math.max(0, Math.round(value * 10)));
}

function checkCount(what: string, count: number): number {
  if (count > MAX_COUNT) throw new RangeError(`a delta carries at most ${MAX_COUNT} ${what}`);
  return count;
}

export function encodeDelta(delta: GameDelta): Uint8Array {
  const players = delta.players ?? [];
  const names = (delta.names ?? []).map((entry) => ({ id: entry.id, bytes: encoder.encode(entry.name).subarray(0, 255) }));
  const gone = delta.gone ?? [];
  const items = delta.items ?? [];
  const taken = delta.taken ?? [];
  const size = HEADER + 5 + players.length * 9 + names.reduce((sum, n) => sum + 3 + n.bytes.length, 0) + gone.length * 2 + items.length * 8 + taken.length * 4;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, DELTA_VERSION);
  view.setUint8(1, delta.full === true ? 1 : 0);
  view.setUint32(2, delta.tick >>> 0, true);
  view.setFloat64(6, delta.at, true);
  let at = HEADER;
  view.setUint8(at++, checkCount('players', players.length));
  for (const p of players) {
    view.setUint16(at, p.id, true);
    view.setUint16(at + 2, quantize(p.x), true);
    view.setUint16(at + 4, quantize(p.y), true);
    view.setUint16(at + 6, Math.min(0xffff, p.score), true);
    view.setUint8(at + 8, p.online ? 1 : 0);
    at += 9;
  }
  view.setUint8(at++, checkCount('names', names.length));
  for (const n of names) {
    view.setUint16(at, n.id, true);
    view.setUint8(at + 2, n.bytes.length);
    bytes.set(n.bytes, at + 3);
    at += 3 + n.bytes.length;
  }
  view.setUint8(at++, checkCount('gone players', gone.length));
  for (const id of gone) {
    view.setUint16(at, id, true);
    at += 2;
  }
  view.setUint8(at++, checkCount('items', items.length));
  for (const item of items) {
    view.setUint32(at, item.id, true);
    view.setUint16(at + 4, quantize(item.x), true);
    view.setUint16(at + 6, quantize(item.y), true);
    at += 8;
  }
  view.setUint8(at++, checkCount('taken items', taken.length));
  for (const id of taken) {
    view.setUint32(at, id, true);
    at += 4;
  }
  return bytes;
}

/** Decodes what encodeDelta made; empty sections are left out, as in the delta encoded. */
export function decodeDelta(bytes: Uint8Array): GameDelta {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== DELTA_VERSION) throw new RangeError(`delta version ${version}, expected ${DELTA_VERSION}`);
  const delta: GameDelta = { tick: view.getUint32(2, true), at: view.getFloat64(6, true) };
  if ((view.getUint8(1) & 1) === 1) delta.full = true;
  let at = HEADER;
  const count = () => view.getUint8(at++);
  const players: PlayerUpdate[] = [];
  for (let n = count(); n > 0; n--) {
    players.push({
      id: view.getUint16(at, true),
      x: view.getUint16(at + 2, true) / 10,
      y: view.getUint16(at + 4, true) / 10,
      score: view.getUint16(at + 6, true),
      online: (view.getUint8(at + 8) & 1) === 1,
    });
    at += 9;
  }
  const names: Array<{ id: number; name: string }> = [];
  for (let n = count(); n > 0; n--) {
    const id = view.getUint16(at, true);
    const length = view.getUint8(at + 2);
    if (at + 3 + length > bytes.byteLength) throw new RangeError('a delta name runs past the end');
    names.push({ id, name: decoder.decode(bytes.subarray(at + 3, at + 3 + length)) });
    at += 3 + length;
  }
  const gone: number[] = [];
  for (let n = count(); n > 0; n--) {
    gone.push(view.getUint16(at, true));
    at += 2;
  }
  const items: ItemState[] = [];
  for (let n = count(); n > 0; n--) {
    items.push({ id: view.getUint32(at, true), x: view.getUint16(at + 4, true) / 10, y: view.getUint16(at + 6, true) / 10 });
    at += 8;
  }
  const taken: number[] = [];
  for (let n = count(); n > 0; n--) {
    taken.push(view.getUint32(at, true));
    at += 4;
  }
  if (at !== bytes.byteLength) throw new RangeError('bytes after the end of a delta');
  if (players.length > 0) delta.players = players;
  if (names.length > 0) delta.names = names;
  if (gone.length > 0) delta.gone = gone;
  if (items.length > 0) delta.items = items;
  if (taken.length > 0) delta.taken = taken;
  return delta;
}
