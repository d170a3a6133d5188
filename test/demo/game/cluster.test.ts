// The game on two `volley serve` nodes sharing Redis: players on different nodes play one
// match, run by exactly one node (its lease holder), and see each other move through the
// deltas on game:MATCH; when the node running it is killed, the other node takes the match
// over from its saved state and play goes on. Skipped without Redis (except in CI).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../../src/client/node.js';
import { decodeDelta, type GameDelta, type JoinResult } from '../../../src/demo/game/index.js';
import { buildOnce, killAll, startServe, type Served } from '../../cli/helpers.js';
import { REDIS_URL, serviceSkipReason, uniquePrefix, waitFor } from '../../cluster/engines.js';
import { removeRedisState } from '../../cluster/redis-cleanup.js';

const skip = await serviceSkipReason('Redis', REDIS_URL);
const WAIT = 30_000;

interface Player {
  client: Client;
  deltas: GameDelta[];
  joined: JoinResult;
}

describe('the game on two volley serve nodes over Redis', { skip, timeout: 180_000 }, () => {
  const prefix = uniquePrefix('game');
  const nodes: Served[] = [];
  const clients: Client[] = [];

  before(async () => {
    await buildOnce();
    for (let i = 0; i < 2; i++) nodes.push(await startServe(['--broker', `${REDIS_URL}?prefix=${prefix}`]));
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    for (const node of nodes) await node.stop().catch(() => {});
    killAll();
    await removeRedisState(REDIS_URL, prefix);
  });

  const wsUrl = (node: Served) => `${node.httpBase.replace('http://', 'ws://')}/connection/websocket`;
  async function play(node: Served, match: string, name: string): Promise<Player> {
    const client = new Client(wsUrl(node), { minReconnectDelayMs: 50, maxReconnectDelayMs: 500 });
    clients.push(client);
    client.connect();
    const deltas: GameDelta[] = [];
    const sub = client.subscribe<Uint8Array>(`game:${match}`);
    sub.on('publication', (ctx) => deltas.push(decodeDelta(ctx.data)));
    await sub.ready();
    const joined = await client.rpc<JoinResult>('game.join', { match, name });
    return { client, deltas, joined };
  }
  /** The last position of player `id` that `watcher` saw (from its join snapshot or a delta). */
  const positionOf = (watcher: Player, id: number) => {
    let position: { x: number; y: number; score: number } | undefined = watcher.joined.players.find((p) => p.id === id);
    for (const delta of watcher.deltas) position = delta.players?.find((p) => p.id === id) ?? position;
    return position;
  };
  const ticksOf = (player: Player) => player.deltas.map((d) => d.tick);

  let alice: Player;
  let bob: Player;

  it('players on different nodes see each other move in one match, ticked by one node', async () => {
    alice = await play(nodes[0]!, 'across', 'Alice');
    bob = await play(nodes[1]!, 'across', 'Bob');
    assert.notEqual(alice.joined.you, bob.joined.you);
    assert.ok(bob.joined.players.some((p) => p.id === alice.joined.you), 'Bob\'s join, forwarded to the node running the match, shows Alice');

    const aliceStart = positionOf(bob, alice.joined.you)!;
    await alice.client.rpc('game.input', { match: 'across', dx: aliceStart.x < 400 ? 1 : -1, dy: 0 });
    await waitFor(() => Math.abs(positionOf(bob, alice.joined.you)!.x - aliceStart.x) >= 40, WAIT, 'Bob (node two) sees Alice (node one) move');
    await alice.client.rpc('game.input', { match: 'across', dx: 0, dy: 0 });

    const bobStart = positionOf(alice, bob.joined.you)!;
    await bob.client.rpc('game.input', { match: 'across', dx: 0, dy: bobStart.y < 250 ? 1 : -1 });
    await waitFor(() => Math.abs(positionOf(alice, bob.joined.you)!.y - bobStart.y) >= 40, WAIT, 'Alice (node one) sees Bob (node two) move');
    await bob.client.rpc('game.input', { match: 'across', dx: 0, dy: 0 });

    // One match: both players see the same deltas, one tick sequence, each tick once. Two
    // nodes ticking would show two interleaved sequences (ticks repeating or going back).
    for (const player of [alice, bob]) {
      const ticks = ticksOf(player);
      assert.ok(ticks.length >= 3, `${ticks.length} deltas`);
      assert.ok(ticks.every((tick, i) => i === 0 || tick > ticks[i - 1]!), `ticks only go up: ${ticks.join(',')}`);
    }
    const common = ticksOf(alice).filter((tick) => ticksOf(bob).includes(tick));
    assert.ok(common.length >= 3, 'the same deltas reach both nodes');

    // Forwarded calls keep the caller's identity: a stranger on node two plays nobody.
    const stranger = new Client(wsUrl(nodes[1]!));
    clients.push(stranger);
    stranger.connect();
    await assert.rejects(stranger.rpc('game.input', { match: 'across', dx: 1, dy: 0 }), { code: 108 }, 'not joined, answered by the match\'s node');
    await assert.rejects(stranger.rpc('game.input', { match: 'across', player: alice.joined.you, dx: 1, dy: 0 }), { code: 103 });
  });

  it('when the node running the match is killed, the other node takes it over from the saved state', async () => {
    // Alice's join made node one the match's node: kill it without a goodbye.
    const before = positionOf(bob, bob.joined.you)!;
    const lastTick = Math.max(...ticksOf(bob));
    nodes[0]!.child.kill('SIGKILL');
    // Bob's node notices the lease expire (leaseMs 3 s) and carries the match on.
    await waitFor(() => bob.deltas.some((d) => d.full === true && d.tick > lastTick), WAIT, `a full delta from the new node (last tick before: ${lastTick})`);
    const full = bob.deltas.find((d) => d.full === true)!;
    const restored = full.players!.find((p) => p.id === bob.joined.you)!;
    // The saved state is at most a third of leaseMs old: Bob is where he was at some tick.
    const seen = [bob.joined.players.find((p) => p.id === bob.joined.you)!, ...bob.deltas.flatMap((d) => d.players?.filter((p) => p.id === bob.joined.you) ?? [])];
    assert.ok(seen.some((p) => p.x === restored.x && p.y === restored.y && p.score === restored.score), `Bob restored at a place he was: ${JSON.stringify(restored)}`);
    assert.ok(full.players!.some((p) => p.id === alice.joined.you), 'Alice is in the saved state too');
    // Play goes on, on node two.
    await waitFor(async () => {
      await bob.client.rpc('game.input', { match: 'across', dx: before.x < 400 ? 1 : -1, dy: 0 }).catch(() => {});
      return Math.abs(positionOf(bob, bob.joined.you)!.x - before.x) >= 40;
    }, WAIT, 'Bob moves again');
    const after = bob.deltas.slice(bob.deltas.indexOf(full)).map((d) => d.tick);
    assert.ok(after.every((tick, i) => i === 0 || tick > after[i - 1]!), 'one tick sequence after the takeover');
  });
});
