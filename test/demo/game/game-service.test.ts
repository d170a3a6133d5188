// The game service on a real server: join answers a snapshot, inputs move the player in
// the published deltas, hostile parameters are refused with codes, the limits hold, a
// player who drops and comes back keeps their state, chat goes through the server.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type VolleyServer } from '../../../src/server/server.js';
import { Client } from '../../../src/client/node.js';
import { GameService, GAME_NAMESPACE_OPTIONS, type GameDelta, type GameSnapshot } from '../../../src/demo/game/index.js';
import { until } from '../../client/helpers.js';

describe('GameService', () => {
  let server: VolleyServer;
  let game: GameService;
  let url: string;
  const clients: Client[] = [];
  const internalErrors: unknown[] = [];

  const open = async (): Promise<Client> => {
    const client = new Client(url);
    clients.push(client);
    client.connect();
    return client;
  };

  before(async () => {
    server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, namespaces: { game: { ...GAME_NAMESPACE_OPTIONS } } });
    server.hub.onInternalError = (error) => internalErrors.push(error);
    game = new GameService(server.hub, { maxPlayers: 3, maxMatches: 10, graceMs: 60_000, presenceCheckMs: 100 });
    const { port } = await server.listen();
    url = `ws://127.0.0.1:${port}/connection/websocket`;
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    game.stop();
    await server.close();
  });

  it('join answers a snapshot; inputs move the player in the deltas on game:MATCH', async () => {
    const client = await open();
    const deltas: GameDelta[] = [];
    const sub = client.subscribe<GameDelta>('game:moves');
    sub.on('publication', (ctx) => deltas.push(ctx.data));
    await sub.ready();
    const snapshot = await client.rpc<GameSnapshot>('game.join', { match: 'moves', player: 'mover-0001', name: 'Mover' });
    assert.equal(snapshot.match, 'moves');
    assert.equal(snapshot.tickHz, 20);
    const start = snapshot.players.find((p) => p.id === 'mover-0001')!;
    assert.equal(start.name, 'Mover');
    const direction = start.x < 400 ? 1 : -1;
    await client.rpc('game.input', { match: 'moves', dx: direction, dy: 0 });
    await until(() => deltas.some((d) => d.players?.some((p) => p.id === 'mover-0001' && Math.abs(p.x - start.x) >= 30)), 'the player moved in the deltas');
    assert.ok(deltas.every((d, i) => i === 0 || d.tick > deltas[i - 1]!.tick), 'ticks increase');
  });

  it('refuses hostile parameters with bad_request (107), never an internal error', async () => {
    const client = await open();
    await client.rpc('game.join', { match: 'hostile', player: 'hostile-0001', name: 'H' });
    const bad: unknown[] = [
      null, 1, 'x', [1], {}, { match: 'hostile' }, { match: 'hostile', dx: 2, dy: 0 }, { match: 'hostile', dx: Number.NaN, dy: 0 },
      { match: 'hostile', dx: '1', dy: 0 }, { match: '../x', dx: 0, dy: 0 }, { match: 'x'.repeat(33), dx: 0, dy: 0 }, { match: 'hostile', dx: 0, dy: -1.5 },
    ];
    for (const data of bad) await assert.rejects(client.rpc('game.input', data), { code: 107 }, JSON.stringify(data));
    for (const data of [null, { match: 'hostile', player: 'short', name: 'x' }, { match: 'hostile', player: 'hostile-0001', name: '   ' }, { match: 'hostile', player: 'hostile-0001' }]) {
      await assert.rejects(client.rpc('game.join', data), { code: 107 }, JSON.stringify(data));
    }
    await assert.rejects(client.rpc('game.say', { match: 'hostile', text: '' }), { code: 107 });
    await assert.rejects(client.publish('game:hostile', { tick: 1 }), { code: 103 }, 'clients cannot publish state');
    const stranger = await open();
    await assert.rejects(stranger.rpc('game.input', { match: 'hostile', dx: 0, dy: 0 }), { code: 108 }, 'input before join');
    assert.deepEqual(internalErrors, []);
  });

  it('holds maxPlayers with limit_exceeded (106); one player per connection', async () => {
    const one = await open();
    await one.rpc('game.join', { match: 'full', player: 'full-player-1', name: 'A' });
    // The same connection joining as another id leaves the first one (it is not a second seat).
    await one.rpc('game.join', { match: 'full', player: 'full-player-2', name: 'A2' });
    assert.equal(game.snapshot('full')?.players.find((p) => p.id === 'full-player-1')?.online, false);
    const two = await open();
    await two.rpc('game.join', { match: 'full', player: 'full-player-3', name: 'B' });
    const three = await open();
    await assert.rejects(three.rpc('game.join', { match: 'full', player: 'full-player-4', name: 'C' }), { code: 106 });
  });

  it('a player who drops and comes back on a new connection keeps position and score', async () => {
    const first = await open();
    const sub = first.subscribe('game:rejoin');
    await sub.ready();
    const joined = await first.rpc<GameSnapshot>('game.join', { match: 'rejoin', player: 'rejoiner-01', name: 'R' });
    const x0 = joined.players.find((p) => p.id === 'rejoiner-01')!.x;
    await first.rpc('game.input', { match: 'rejoin', dx: x0 < 400 ? 1 : -1, dy: 0 });
    await until(() => Math.abs(game.snapshot('rejoin')!.players[0]!.x - x0) >= 20, 'moved');
    first.disconnect();
    await until(() => game.snapshot('rejoin')!.players[0]!.online === false, 'seen as dropped by the presence check');
    const kept = game.snapshot('rejoin')!.players[0]!;
    const second = await open();
    await second.subscribe('game:rejoin').ready();
    const back = await second.rpc<GameSnapshot>('game.join', { match: 'rejoin', player: 'rejoiner-01', name: 'R' });
    const me = back.players.find((p) => p.id === 'rejoiner-01')!;
    assert.deepEqual({ x: me.x, y: me.y, score: me.score, online: me.online }, { x: kept.x, y: kept.y, score: kept.score, online: true });
  });

  it('chat lines go out on game:MATCH.chat with the sender name', async () => {
    const client = await open();
    const lines: unknown[] = [];
    const sub = client.subscribe('game:talk.chat');
    sub.on('publication', (ctx) => lines.push(ctx.data));
    await sub.ready();
    await assert.rejects(client.rpc('game.say', { match: 'talk', text: 'hi' }), { code: 108 }, 'say before join');
    await client.rpc('game.join', { match: 'talk', player: 'talker-0001', name: 'Talker' });
    await client.rpc('game.say', { match: 'talk', text: '  hello\u0007 there ' });
    await until(() => lines.length === 1, 'the chat line');
    assert.deepEqual(lines[0], { name: 'Talker', text: 'hello there' });
  });
});

describe('GameService input rate', () => {
  it('refuses calls over inputRate/inputBurst with too_many_requests (111), then allows them again', async () => {
    const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, namespaces: { game: { ...GAME_NAMESPACE_OPTIONS } } });
    let now = 0;
    const game = new GameService(server.hub, { inputRate: 10, inputBurst: 3, now: () => now });
    const { port } = await server.listen();
    const client = new Client(`ws://127.0.0.1:${port}/connection/websocket`);
    try {
      client.connect();
      await client.rpc('game.join', { match: 'rate', player: 'rate-player', name: 'R' });
      for (let i = 0; i < 3; i++) await client.rpc('game.input', { match: 'rate', dx: 0, dy: 0 });
      await assert.rejects(client.rpc('game.input', { match: 'rate', dx: 0, dy: 0 }), { code: 111 });
      await assert.rejects(client.rpc('game.say', { match: 'rate', text: 'spam' }), { code: 111 });
      now += 100; // one token back at 10 per second
      await client.rpc('game.input', { match: 'rate', dx: 1, dy: 0 });
    } finally {
      client.disconnect();
      game.stop();
      await server.close();
    }
  });
});

describe('GameService limits', () => {
  it('refuses a match over maxMatches, stops idle matches and stops cleanly', async () => {
    const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, namespaces: { game: { ...GAME_NAMESPACE_OPTIONS } } });
    let now = 0;
    const game = new GameService(server.hub, { maxMatches: 1, idleMs: 1000, graceMs: 500, now: () => now });
    const { port } = await server.listen();
    const client = new Client(`ws://127.0.0.1:${port}/connection/websocket`);
    try {
      client.connect();
      await client.rpc('game.join', { match: 'only', player: 'only-player', name: 'O' });
      await assert.rejects(client.rpc('game.join', { match: 'second', player: 'only-player', name: 'O' }), { code: 106 });
      // Not subscribed to game:only, so the presence check drops the player; then the match idles out.
      await game.checkPresence('only');
      now = 600;
      game.tick('only');
      assert.equal(game.snapshot('only')?.players.length, 0);
      now = 1700;
      game.tick('only');
      assert.equal(game.matchCount, 0);
      await client.rpc('game.join', { match: 'second', player: 'only-player', name: 'O' });
      game.stop();
      await assert.rejects(client.rpc('game.join', { match: 'second', player: 'only-player', name: 'O' }), { code: 108 });
      assert.equal(game.matchCount, 0);
    } finally {
      client.disconnect();
      game.stop();
      await server.close();
    }
  });
});
