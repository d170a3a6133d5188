// A hub-protocol fuzz (issue 12): >= 100,000 random and mutated commands from several
// connections against one hub, on a few shared channels. Every command gets exactly one
// reply, or its connection is closed with a documented close code; nothing throws, the
// hub reports no internal error, and memory stays bounded.
//
// Reproducible: VOLLEY_FUZZ_SEED=<n> picks the seed (default below), and a failure
// message names the seed and the round.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryBroker } from '../../src/broker/memory.js';
import { Hub } from '../../src/hub/hub.js';
import type { Connection } from '../../src/hub/connection.js';
import type { OutboundMessage, Session } from '../../src/hub/session.js';
import { DisconnectCode, TOKEN_KIND_CLAIM, WireErrorCode } from '../../src/wire/index.js';
import { FakeClock, SECRET, hsToken, settle } from './helpers.js';

const SEED = Number(process.env.VOLLEY_FUZZ_SEED ?? 20_261_203);
const TOTAL_COMMANDS = 100_000;
const CONNECTIONS = 8;
const DIRTY_SLOTS = 2;
const BURST = 25;
/** Heap growth allowed from after the warm-up to the end (the hub holds only bounded state). */
const HEAP_BOUND_BYTES = 48 * 1024 * 1024;

const DOCUMENTED_CLOSE_CODES = new Set<number>(Object.values(DisconnectCode));
const DOCUMENTED_ERROR_CODES = new Set<number>(Object.values(WireErrorCode));

/** mulberry32: a small, seedable PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class FuzzSession implements Session {
  readonly transport = 'websocket';
  bufferedAmount = 0;
  readonly replies = new Map<number, number>();
  closedWith: number | undefined;
  problems: string[] = [];

  send(message: OutboundMessage): void {
    if (message.text.startsWith(`{"pub"`) || message.text.startsWith(`{"push"`)) return; // pushes are not checked here; replies start with {"id"
    const parsed = JSON.parse(message.text) as { id: number; result?: unknown; error?: { code: number; name: string } };
    this.replies.set(parsed.id, (this.replies.get(parsed.id) ?? 0) + 1);
    if (parsed.error !== undefined) {
      if (!DOCUMENTED_ERROR_CODES.has(parsed.error.code)) this.problems.push(`undocumented error ${JSON.stringify(parsed.error)}`);
      if (typeof parsed.error.name !== 'string') this.problems.push(`error without a name ${JSON.stringify(parsed.error)}`);
    } else if (parsed.result === undefined) {
      this.problems.push(`reply without result or error: ${message.text.slice(0, 200)}`);
    }
  }

  close(code: number): void {
    this.closedWith ??= code;
  }
}

interface Peer {
  /** A dirty peer also sends frames that end the connection (garbage, oversize); a clean one never does. */
  dirty: boolean;
  session: FuzzSession;
  connection: Connection;
  /** Replies expected per id (a reused id expects one reply per command). */
  expected: Map<number, number>;
  /** The texts sent this round by id, for failure messages. */
  texts: Map<number, string>;
  nextId: number;
}

describe('hub protocol fuzz', () => {
  it(`${TOTAL_COMMANDS} random and mutated commands: one reply each or a documented close (seed ${SEED})`, { timeout: 120_000 }, async (t) => {
    const rand = random(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const int = (max: number) => Math.floor(rand() * max);

    const clock = new FakeClock();
    const broker = new MemoryBroker({ now: clock.now, pruneIntervalMs: 0 });
    const hub = new Hub({
      broker,
      now: clock.now,
      sweepIntervalMs: 0,
      allowAnonymous: true,
      auth: { hmacSecret: SECRET },
      namespaces: {
        chat: { historySize: 20, presence: true, joinLeave: true },
        pub: { publish: 'authenticated', historySize: 5 },
        news: { publish: 'server' },
      },
      limits: { publishRate: 200, publishBurst: 50 },
    });
    const internalErrors: unknown[] = [];
    hub.onInternalError = (error) => internalErrors.push(error);
    hub.registerRpc('echo', ({ data }) => data);
    hub.registerRpc('fail', () => {
      throw new Error('handler bug');
    });
    await hub.ready();

    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);

    const exp = clock.seconds + 3_600;
    const tokens = [
      await hsToken({ sub: 'alice' }, { expiresAt: exp }),
      await hsToken({ sub: 'bob', channels: ['chat:*'] }, { expiresAt: exp }),
      await hsToken({ sub: 'carol', [TOKEN_KIND_CLAIM]: 'connection' }, { expiresAt: clock.seconds + 30 }),
      await hsToken({ sub: 'alice', channel: '$chat:p' }, { expiresAt: exp }),
      await hsToken({ sub: '', channel: '$chat:p', [TOKEN_KIND_CLAIM]: 'subscription' }, { expiresAt: exp }),
      await hsToken({ sub: 'mallory' }, { expiresAt: exp, secret: 'not-the-secret-but-long-enough-for-hs256' }),
      'not.a.token',
      '',
    ];
    const channels = ['chat:a', 'chat:b', 'chat:a#alice', '$chat:p', 'pub:y', 'news:z', 'plain', 'nowhere:x', 'bad name', '', '#', 'x'.repeat(300)];
    const methods = ['subscribe', 'unsubscribe', 'publish', 'history', 'presence', 'presence_stats', 'rpc', 'refresh', 'ping', 'connect', 'fly', ''];

    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const oddValues = (): unknown => pick([null, true, 0, -1, 1.5, 2 ** 60, 'x', '', [], {}, [1, [2]], { a: { b: 1 } }, 'é🙂\u0000', 'y'.repeat(int(2_000))]);
    const dataValue = (): unknown => (rand() < 0.7 ? { n: int(1_000), text: 'hello' } : oddValues());

    function params(method: string): Record<string, unknown> {
      const p: Record<string, unknown> = {};
      if (rand() < 0.93) p.channel = rand() < 0.9 ? pick(channels) : oddValues();
      switch (method) {
        case 'subscribe':
          if (rand() < 0.3) p.token = pick(tokens);
          if (rand() < 0.3) p.since = rand() < 0.7 ? { offset: int(30), epoch: pick(['', 'e', 'zz']) } : oddValues();
          break;
        case 'publish':
          if (rand() < 0.95) p.data = dataValue();
          if (rand() < 0.2) p.excludeSelf = rand() < 0.7 ? rand() < 0.5 : oddValues();
          break;
        case 'history':
          if (rand() < 0.4) p.limit = rand() < 0.7 ? int(30) : oddValues();
          if (rand() < 0.3) p.direction = pick(['forward', 'backward', 'sideways', 1]);
          if (rand() < 0.3) p.since = rand() < 0.7 ? { offset: int(30), epoch: pick(['', 'e']) } : oddValues();
          break;
        case 'rpc':
          p.method = rand() < 0.8 ? pick(['echo', 'fail', 'none']) : oddValues();
          p.data = dataValue();
          break;
        case 'refresh':
        case 'connect':
          if (rand() < 0.8) p.token = pick(tokens);
          break;
      }
      return p;
    }

    /** A few commands on one channel in a row: the interleavings that once lost replies. */
    function sequence(peer: Peer): string[] {
      const channel = pick(channels.slice(0, 7));
      return Array.from({ length: 2 + int(4) }, () => {
        const method = pick(['subscribe', 'unsubscribe', 'subscribe', 'unsubscribe', 'publish', 'history', 'presence']);
        const p = params(method);
        p.channel = channel;
        return JSON.stringify({ id: peer.nextId++, method, params: p });
      });
    }

    /** A command text: mostly well-formed, sometimes with wrong types, deep nesting, garbage or mutations. */
    function commandText(peer: Peer): string {
      const id = rand() < 0.97 ? peer.nextId++ : pick([peer.nextId - 1, 1]);
      const method = pick(methods);
      const roll = rand();
      if (roll < 0.62) return JSON.stringify({ id, method, params: params(method) });
      if (roll < 0.72) return JSON.stringify({ id, method, params: rand() < 0.5 ? oddValues() : params(method) });
      if (roll < 0.76) return `{"id":${id},"method":"publish","params":{"channel":"chat:a","data":${nested(rand() < 0.05 ? 10_000 : pick([10, 62, 63, 64, 65, 200, 1_000]))}}}`;
      if (roll < 0.77) return JSON.stringify({ id, method: 'publish', params: { channel: 'chat:a', data: 'z'.repeat(pick([60_000, 66_000, 70_000])) } });
      if (roll < 0.83) {
        const text = JSON.stringify({ id, method, params: params(method) });
        return mutate(text);
      }
      return pick([
        '', 'null', '[]', '"str"', '{', '}', '{"id":1}', `{"id":${id}}`, `{"id":-${id},"method":"ping"}`, `{"id":"${id}","method":"ping"}`,
        `{"id":${id}.5,"method":"ping"}`, `{"method":"ping"}`, '\uFEFF{"id":1,"method":"ping"}', '{"id":1,"method":"ping",}', `{"id":${id},"method":"ping","params":[]}`,
      ]);
    }

    function mutate(text: string): string {
      const chars = [...text];
      const edits = 1 + int(3);
      for (let i = 0; i < edits; i++) {
        const at = int(chars.length + 1);
        switch (int(4)) {
          case 0:
            chars.splice(at, 1);
            break;
          case 1:
            chars.splice(at, 0, pick(['{', '}', '[', ']', '"', ',', ':', '\\', '0', 'x', '\u0000', '🙂']));
            break;
          case 2:
            chars.length = Math.min(chars.length, at);
            break;
          default:
            chars.splice(at, 0, ...chars.slice(int(chars.length), int(chars.length)));
        }
      }
      return chars.join('');
    }

    /** What the hub must do with a text: reply to this id, or close the connection. */
    function expectation(text: string): { reply: number } | { close: number } {
      if (text.length > 65_536 || Buffer.byteLength(text) > 65_536) return { close: DisconnectCode.messageTooLarge };
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { close: DisconnectCode.badRequest };
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { close: DisconnectCode.badRequest };
      const id = (value as { id?: unknown }).id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return { close: DisconnectCode.badRequest };
      return { reply: id };
    }

    /** Connection slots below DIRTY_SLOTS hold dirty peers, the others clean ones. */
    function newPeer(slot: number): Peer {
      const session = new FuzzSession();
      const connection = hub.connect(session);
      const dirty = slot < DIRTY_SLOTS;
      const peer: Peer = { dirty, session, connection, expected: new Map(), texts: new Map(), nextId: 1 };
      const id = peer.nextId++;
      peer.expected.set(id, 1);
      const token = dirty || rand() < 0.05 ? pick(tokens) : pick([tokens[0], tokens[1], tokens[2], undefined]);
      const text = JSON.stringify({ id, method: 'connect', params: token === undefined ? {} : { token } });
      peer.texts.set(id, text);
      connection.handleText(text);
      return peer;
    }

    /** The next texts a peer sends: a clean peer's always parse as commands with a valid id. */
    function nextTexts(peer: Peer): string[] {
      if (rand() < 0.08) return sequence(peer);
      for (;;) {
        const text = commandText(peer);
        if (peer.dirty || 'reply' in expectation(text)) return [text];
      }
    }

    /** Checks one peer: exactly the expected replies, or a documented close (then at most the expected). */
    function check(peer: Peer, round: number): void {
      const where = `seed ${SEED}, round ${round}`;
      assert.deepEqual(peer.session.problems, [], where);
      for (const [id, count] of peer.session.replies) {
        const expected = peer.expected.get(id) ?? 0;
        assert.ok(count <= expected, `${where}: ${count} replies to id ${id}, ${expected} expected`);
      }
      if (peer.session.closedWith !== undefined) {
        assert.ok(DOCUMENTED_CLOSE_CODES.has(peer.session.closedWith), `${where}: undocumented close code ${peer.session.closedWith}`);
        return;
      }
      for (const [id, count] of peer.expected) {
        const got = peer.session.replies.get(id) ?? 0;
        assert.equal(got, count, `${where}: id ${id} got ${got} replies, ${count} expected: ${peer.texts.get(id)?.slice(0, 300)}`);
      }
      // Answered ids are forgotten on both sides: a late extra reply then shows up as unexpected.
      peer.expected.clear();
      peer.texts.clear();
      peer.session.replies.clear();
    }

    /** Waits on a condition, with a generous cap, until every live peer has all its replies. */
    async function allAnswered(): Promise<void> {
      const deadline = Date.now() + 30_000;
      while (!peers.every(done) && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    }

    const done = (peer: Peer) =>
      peer.session.closedWith !== undefined || [...peer.expected].every(([id, count]) => (peer.session.replies.get(id) ?? 0) === count);

    const gc = (() => {
      setFlagsFromString('--expose-gc');
      return runInNewContext('gc') as () => void;
    })();

    let peers = Array.from({ length: CONNECTIONS }, (_, slot) => newPeer(slot));
    let sent = 0;
    let round = 0;
    let closes = 0;
    let heapAfterWarmUp = 0;
    const closeCodes = new Map<number, number>();
    try {
      while (sent < TOTAL_COMMANDS) {
        round += 1;
        for (const peer of peers) {
          for (let i = 0; i < BURST && peer.session.closedWith === undefined; ) {
            for (const text of nextTexts(peer)) {
              const outcome = expectation(text);
              if ('reply' in outcome) {
                peer.expected.set(outcome.reply, (peer.expected.get(outcome.reply) ?? 0) + 1);
                peer.texts.set(outcome.reply, text);
              }
              peer.connection.handleText(text);
              sent += 1;
              i += 1;
              if ('close' in outcome) {
                assert.equal(peer.session.closedWith, outcome.close, `seed ${SEED}, round ${round}: ${JSON.stringify(text.slice(0, 120))}`);
              }
            }
          }
        }
        // Interleavings resolve over a few event-loop turns (token checks use the thread
        // pool, so on a busy machine it may take longer); then every command is answered.
        await allAnswered();
        for (const peer of peers) check(peer, round);
        clock.advance(int(400));
        if (round % 50 === 0) {
          clock.advance(40_000);
          hub.sweep();
        }
        peers = peers.map((peer, slot) => {
          const code = peer.session.closedWith;
          if (code === undefined && rand() > 0.01) return peer;
          // A closed connection goes; now and then a live one leaves on its own (its transport closes).
          if (code === undefined) peer.connection.handleClose();
          else closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
          closes += 1;
          return newPeer(slot);
        });
        if (round === 20) {
          await settle();
          gc();
          heapAfterWarmUp = process.memoryUsage().heapUsed;
        }
      }
      await allAnswered();
      for (const peer of peers) check(peer, round);
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }

    assert.deepEqual(uncaught, [], `seed ${SEED}: uncaught exceptions`);
    assert.deepEqual(internalErrors.filter((e) => !(e instanceof Error && e.message === 'handler bug')), [], `seed ${SEED}: internal errors`);
    assert.ok(sent >= TOTAL_COMMANDS);
    assert.ok(closes > 0, 'some connections were closed (garbage, oversize frames)');
    assert.ok(closeCodes.has(DisconnectCode.badRequest));

    // Bounded state: the hub holds live connections only, and channels from the small pool.
    assert.ok(hub.connectionCount <= CONNECTIONS, `${hub.connectionCount} connections held`);
    assert.ok(hub.channelCount <= channels.length, `${hub.channelCount} channels held`);
    const counts = broker.engine.counts();
    assert.ok(counts.streams <= channels.length && counts.presenceChannels <= channels.length, JSON.stringify(counts));
    gc();
    const growth = process.memoryUsage().heapUsed - heapAfterWarmUp;
    t.diagnostic(`${sent} commands in ${round} rounds; ${closes} connections replaced; close codes ${JSON.stringify(Object.fromEntries(closeCodes))}`);
    t.diagnostic(`heap growth after warm-up ${(growth / 1048576).toFixed(1)} MiB; engine ${JSON.stringify(counts)}`);
    assert.ok(growth < HEAP_BOUND_BYTES, `heap grew ${(growth / 1048576).toFixed(1)} MiB after the warm-up (bound ${HEAP_BOUND_BYTES / 1048576} MiB)`);
    await hub.close();
    await broker.close();
  });
});
