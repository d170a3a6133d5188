// The match rules with a hand-driven clock: movement, walls, items and scoring, deltas
// that carry only what changed, and the grace period of a dropped player.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match, type MatchRules } from '../../../src/demo/game/match.js';
import { ARENA_WIDTH, PLAYER_RADIUS } from '../../../src/demo/game/protocol.js';

const RULES: MatchRules = { tickHz: 20, speed: 200, maxItems: 3, spawnEveryTicks: 2, graceMs: 10_000 };

function seeded(seed = 1): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}

describe('Match', () => {
  it('moves a player by speed / tickHz per tick and clamps to the walls', () => {
    const match = new Match('m', RULES, seeded());
    const start = match.join('player-one', 'One');
    match.input('player-one', 1, 0);
    const delta = match.tick(1000);
    const moved = delta?.players?.find((p) => p.id === match.idOf('player-one'));
    assert.ok(moved);
    assert.ok(Math.abs(moved.x - Math.min(start.x + 10, ARENA_WIDTH - PLAYER_RADIUS)) < 0.11);
    for (let i = 0; i < 200; i++) match.tick(1000 + i);
    const end = match.snapshot().players[0]!;
    assert.equal(end.x, ARENA_WIDTH - PLAYER_RADIUS);
  });

  it('normalises a diagonal so it is no faster than a straight line', () => {
    const match = new Match('m', RULES, seeded());
    const start = match.join('player-one', 'One');
    match.input('player-one', 1, 1);
    match.tick(0);
    const after = match.snapshot().players[0]!;
    const moved = Math.hypot(after.x - start.x, after.y - start.y);
    assert.ok(moved <= 10.2, `moved ${moved}`);
  });

  it('a delta carries only what changed; nothing changed means no delta', () => {
    const match = new Match('m', { ...RULES, maxItems: 0 }, seeded());
    match.join('player-one', 'One');
    match.join('player-two', 'Two');
    const first = match.tick(0);
    assert.equal(first?.players?.length, 2, 'both new players in the first delta');
    assert.deepEqual(first?.names, [{ id: 1, name: 'One' }, { id: 2, name: 'Two' }]);
    assert.equal(match.tick(50), undefined, 'no change, no delta');
    match.input('player-two', 0, 1);
    const third = match.tick(100);
    assert.deepEqual(third?.players?.map((p) => p.id), [match.idOf('player-two')]);
    assert.equal(third?.names, undefined, 'a name travels once');
    assert.equal(third?.tick, 3);
    assert.equal(third?.at, 100);
  });

  it('spawns items up to maxItems and scores the player who touches one', () => {
    const match = new Match('m', RULES, seeded(7));
    match.join('player-one', 'One');
    const spawned = [];
    for (let i = 0; i < 20; i++) spawned.push(...(match.tick(i)?.items ?? []));
    assert.equal(spawned.length, 3);
    assert.equal(match.snapshot().items.length, 3);
    // Walk to the first item, step by step.
    const target = spawned[0]!;
    const taken: number[] = [];
    for (let i = 0; i < 400 && !taken.includes(target.id); i++) {
      const me = match.snapshot().players[0]!;
      const dx = Math.max(-1, Math.min(1, (target.x - me.x) / 10));
      const dy = Math.max(-1, Math.min(1, (target.y - me.y) / 10));
      match.input('player-one', dx, dy);
      taken.push(...(match.tick(100 + i)?.taken ?? []));
    }
    assert.ok(taken.includes(target.id));
    assert.ok(match.snapshot().players[0]!.score >= 1);
  });

  it('keeps a dropped player for the grace period, with their state, and forgets them after', () => {
    const match = new Match('m', { ...RULES, maxItems: 0 }, seeded());
    match.join('player-one', 'One');
    match.input('player-one', 1, 0);
    match.tick(0);
    const before = match.snapshot().players[0]!;
    match.disconnected('player-one', 1000);
    const offline = match.tick(1050);
    assert.equal(offline?.players?.[0]?.online, false);
    match.tick(5000);
    assert.equal(match.snapshot().players[0]!.x, before.x, 'a dropped player stands still');
    const back = match.join('player-one', 'One again');
    assert.deepEqual({ x: back.x, y: back.y, score: back.score, online: back.online }, { x: before.x, y: before.y, score: before.score, online: true });
    const id = match.idOf('player-one');
    match.disconnected('player-one', 20_000);
    assert.equal(match.tick(29_999)?.gone, undefined);
    assert.deepEqual(match.tick(30_000)?.gone, [id]);
    assert.equal(match.playerCount, 0);
  });

  it('numbers players from 1 and reuses a number only after its player is gone', () => {
    const match = new Match('m', { ...RULES, maxItems: 0, graceMs: 0 }, seeded());
    assert.equal(match.join('u:a', 'A').id, 1);
    assert.equal(match.join('u:b', 'B').id, 2);
    match.disconnected('u:a', 0);
    assert.equal(match.join('u:c', 'C').id, 3, 'not while the old number may still be in flight');
    match.tick(1);
    assert.equal(match.join('u:d', 'D').id, 1);
  });

  it('save and restore carry the players, items and ticket on with ticks that only go up, and a full first delta', () => {
    const match = new Match('m', RULES, seeded(3));
    match.join('c:one', 'One');
    match.setTicket('c:one', 'ticket-ticket-ticket');
    for (let i = 0; i < 10; i++) match.tick(1000 + i * 50);
    const saved = JSON.parse(JSON.stringify(match.save()));
    const next = new Match('m', RULES, seeded(4));
    next.restore(saved, 3000);
    assert.ok(next.snapshot().tick > 10 + 20, 'ticks go on from where the old owner got to, plus a second');
    assert.equal(next.keyOfTicket('ticket-ticket-ticket'), 'c:one');
    const first = next.tick(3050)!;
    assert.equal(first.full, true);
    assert.deepEqual(first.players, match.snapshot().players.map(({ name: _name, ...update }) => update));
    assert.deepEqual(first.names, [{ id: 1, name: 'One' }]);
    assert.deepEqual(first.items, match.snapshot().items);
    assert.equal(next.tick(3100), undefined, 'then deltas again');
  });

  it('rekey moves a player to a new identity with everything it had', () => {
    const match = new Match('m', { ...RULES, maxItems: 0 }, seeded());
    const before = match.join('c:old', 'Anon');
    match.rekey('c:old', 'c:new');
    assert.equal(match.has('c:old'), false);
    assert.equal(match.idOf('c:new'), before.id);
  });
});
