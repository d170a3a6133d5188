// The game service on a real server: join answers a snapshot, inputs move the player in the
// binary deltas, hostile parameters are refused with codes, the limits hold, a player is the
// caller's identity (a token's user, or the anonymous connection with its rejoin ticket) and
// nobody else can play it, a player who drops and comes back keeps their state, chat goes
// through the server.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type VolleyServer } from '../../../src/server/server.js';
import { Client } from '../../../src/client/node.js';
import { GameService, GAME_NAMESPACE_OPTIONS, decodeDelta, type GameDelta, type JoinResult } from '../../../src/demo/game/index.js';
import { leaseChannel } from '../../../src/demo/game/lease.js';
import { SECRET, mintToken, until } from '../../client/helpers.js';

describe('GameService', () => {
  let server: VolleyServer;
  let game: GameService;
  let url: string;
  const clients: Client[] = [];
  const internalErrors: unknown[] = [];

  const open = async (token?: string): Promise<Client> => {
    const client = new Client(url, token === undefined ? {} : { token });
    clients.push(client);
    client.connect();
    return client;
  };
  /** Subscribes to game:MATCH and collects the decoded deltas. */
  const watch = async (client: Client, match: string): Promise<GameDelta[]> => {
    const deltas: GameDelta[] = [];
    const sub = client.subscribe<Uint8Array>(`game:${match}`);
    sub.on('publication', (ctx) => {
      assert.ok(ctx.data instanceof Uint8Array, 'deltas are binary publications');
      deltas.push(decodeDelta(ctx.data));
    });
    await sub.ready();
    return deltas;
  };
  const me = (joined: JoinResult) => joined.players.find((p) => p.id === joined.you)!;

  before(async () => {
    server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, auth: { hmacSecret: SECRET }, namespaces: { game: { ...GAME_NAMESPACE_OPTIONS } } });
    server.hub.onInternalError = (error) => internalErrors.push(error);
    game = new GameService(server.hub, { maxPlayers: 3, maxMatches: 10, graceMs: 60_000, presenceCheckMs: 100 });
    const { port } = await server.listen();
    url = `ws://127.0.0.1:${port}/connection/websocket`;
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await game.stop();
    await server.close();
  });

  it('join answers a snapshot; inputs move the player in the binary deltas on game:MATCH', async () => {
    const client = await open();
    const deltas = await watch(client, 'moves');
    const joined = await client.rpc<JoinResult>('game.join', { match: 'moves', name: 'Mover' });
    assert.equal(joined.match, 'moves');
    assert.equal(joined.tickHz, 20);
    assert.equal(typeof joined.you, 'number');
    assert.match(joined.ticket ?? '', /^[A-Za-z0-9_-]{24}$/, 'an anonymous player gets a rejoin ticket');
    const start = me(joined);
    assert.equal(start.name, 'Mover');
    const direction = start.x < 400 ? 1 : -1;
    await client.rpc('game.input', { match: 'moves', dx: direction, dy: 0 });
    await until(() => deltas.some((d) => d.players?.some((p) => p.id === joined.you && Math.abs(p.x - start.x) >= 30)), 'the player moved in the deltas');
    assert.ok(deltas.every((d, i) => i === 0 || d.tick > deltas[i - 1]!.tick), 'ticks increase');
    assert.ok(deltas.some((d) => d.names?.some((n) => n.id === joined.you && n.name === 'Mover')), 'the name travels in a delta');
  });

  it('refuses hostile parameters with bad_request (107) and naming a player with permission_denied (103)', async () => {
    const client = await open();
    const joined = await client.rpc<JoinResult>('game.join', { match: 'hostile', name: 'H' });
    const bad: unknown[] = [
      null, 1, 'x', [1], {}, { match: 'hostile' }, { match: 'hostile', dx: 2, dy: 0 }, { match: 'hostile', dx: Number.NaN, dy: 0 },
      { match: 'hostile', dx: '1', dy: 0 }, { match: '../x', dx: 0, dy: 0 }, { match: 'x'.repeat(33), dx: 0, dy: 0 }, { match: 'hostile', dx: 0, dy: -1.5 },
    ];
    for (const data of bad) await assert.rejects(client.rpc('game.input', data), { code: 107 }, JSON.stringify(data));
    for (const data of [null, { match: 'hostile', name: '   ' }, { match: 'hostile' }, { match: 'hostile', name: 'x', ticket: 'short' }, { match: 'hostile', name: 'x', ticket: 7 }]) {
      await assert.rejects(client.rpc('game.join', data), { code: 107 }, JSON.stringify(data));
    }
    await assert.rejects(client.rpc('game.say', { match: 'hostile', text: '' }), { code: 107 });
    await assert.rejects(client.publish('game:hostile', { tick: 1 }), { code: 103 }, 'clients cannot publish state');
    await assert.rejects(client.publish('game:hostile', new Uint8Array([1, 0, 0])), { code: 103 }, 'nor binary state');
    const stranger = await open();
    await assert.rejects(stranger.rpc('game.input', { match: 'hostile', dx: 0, dy: 0 }), { code: 108 }, 'input before join');
    await assert.rejects(stranger.rpc('game.input', { match: 'hostile', player: joined.you, dx: 1, dy: 0 }), { code: 103 }, 'naming a player');
    await assert.rejects(stranger.rpc('game.join', { match: 'hostile', player: joined.you, name: 'Thief' }), { code: 103 }, 'joining as a player');
    assert.deepEqual(internalErrors, []);
  });

  it('holds maxPlayers with limit_exceeded (106); one player per identity', async () => {
    const one = await open();
    const first = await one.rpc<JoinResult>('game.join', { match: 'full', name: 'A' });
    // The same connection joining again is the same player (renamed), not a second seat.
    const again = await one.rpc<JoinResult>('game.join', { match: 'full', name: 'A2' });
    assert.equal(again.you, first.you);
    assert.equal(me(again).name, 'A2');
    const token = await mintToken('full-user');
    const userOnTwoConnections = [await open(token), await open(token)];
    const [u1, u2] = await Promise.all(userOnTwoConnections.map((c) => c.rpc<JoinResult>('game.join', { match: 'full', name: 'U' })));
    assert.equal(u1!.you, u2!.you, 'a user is one player, whatever the connection');
    assert.equal(u1!.ticket, undefined, 'a user needs no ticket');
    assert.equal(game.snapshot('full')?.players.length, 2);
    await (await open()).rpc('game.join', { match: 'full', name: 'B' });
    await assert.rejects((await open()).rpc('game.join', { match: 'full', name: 'C' }), { code: 106 });
  });

  it('an anonymous player who drops comes back with their ticket on a new connection, with position and score', async () => {
    const first = await open();
    const deltas = await watch(first, 'rejoin');
    const joined = await first.rpc<JoinResult>('game.join', { match: 'rejoin', name: 'R' });
    const x0 = me(joined).x;
    await first.rpc('game.input', { match: 'rejoin', dx: x0 < 400 ? 1 : -1, dy: 0 });
    await until(() => Math.abs(game.snapshot('rejoin')!.players[0]!.x - x0) >= 20, 'moved');
    first.disconnect();
    await until(() => game.snapshot('rejoin')!.players[0]!.online === false, 'seen as dropped by the presence check');
    const kept = game.snapshot('rejoin')!.players[0]!;
    // A stranger with a made-up ticket gets a player of its own, not R.
    const stranger = await open();
    await stranger.subscribe('game:rejoin').ready();
    const guessed = await stranger.rpc<JoinResult>('game.join', { match: 'rejoin', name: 'S', ticket: 'A'.repeat(24) });
    assert.notEqual(guessed.you, joined.you);
    const second = await open();
    await second.subscribe('game:rejoin').ready();
    const back = await second.rpc<JoinResult>('game.join', { match: 'rejoin', name: 'R', ticket: joined.ticket });
    assert.equal(back.you, joined.you);
    assert.deepEqual({ ...me(back) }, { ...kept, online: true });
    assert.notEqual(back.ticket, joined.ticket, 'a new ticket each join');
    // The used ticket is worth nothing now.
    const third = await open();
    await third.subscribe('game:rejoin').ready();
    assert.notEqual((await third.rpc<JoinResult>('game.join', { match: 'rejoin', name: 'T', ticket: joined.ticket })).you, joined.you);
    const bytes = JSON.stringify(deltas);
    assert.ok(!bytes.includes(joined.ticket!), 'tickets never travel in deltas');
  });

  it('a user is their player on any connection, and nobody else can move it', async () => {
    const ada = await open(await mintToken('ada'));
    const deltas = await watch(ada, 'users');
    const adaJoined = await ada.rpc<JoinResult>('game.join', { match: 'users', name: 'Ada' });
    const bob = await open(await mintToken('bob'));
    await bob.subscribe('game:users').ready();
    const bobJoined = await bob.rpc<JoinResult>('game.join', { match: 'users', name: 'Bob' });
    assert.notEqual(bobJoined.you, adaJoined.you);
    // Bob's inputs move Bob, never Ada.
    await bob.rpc('game.input', { match: 'users', dx: 1, dy: 1 });
    await until(() => deltas.some((d) => d.players?.some((p) => p.id === bobJoined.you && p.x !== me(bobJoined).x)), 'Bob moved');
    assert.ok(!deltas.some((d) => d.players?.some((p) => p.id === adaJoined.you && (p.x !== me(adaJoined).x || p.y !== me(adaJoined).y))), 'Ada stood still');
    await bob.rpc('game.input', { match: 'users', dx: 0, dy: 0 });
    // An anonymous caller presenting nothing of Ada's gets its own player; naming hers is 103.
    const anonymous = await open();
    await assert.rejects(anonymous.rpc('game.input', { match: 'users', dx: 1, dy: 0 }), { code: 108 });
    await assert.rejects(anonymous.rpc('game.input', { match: 'users', player: adaJoined.you, dx: 1, dy: 0 }), { code: 103 });
    // Ada drops and comes back on a new connection: the same player, by her user alone.
    ada.disconnect();
    await until(() => game.snapshot('users')!.players.find((p) => p.id === adaJoined.you)?.online === false, 'Ada seen as dropped');
    const adaAgain = await open(await mintToken('ada'));
    await adaAgain.subscribe('game:users').ready();
    const back = await adaAgain.rpc<JoinResult>('game.join', { match: 'users', name: 'Ada' });
    assert.equal(back.you, adaJoined.you);
    assert.equal(me(back).online, true);
  });

  it('chat lines go out on game:MATCH.chat with the sender name', async () => {
    const client = await open();
    const lines: unknown[] = [];
    const sub = client.subscribe('game:talk.chat');
    sub.on('publication', (ctx) => lines.push(ctx.data));
    await sub.ready();
    await assert.rejects(client.rpc('game.say', { match: 'talk', text: 'hi' }), { code: 108 }, 'say before join');
    await client.rpc('game.join', { match: 'talk', name: 'Talker' });
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
      await client.rpc('game.join', { match: 'rate', name: 'R' });
      for (let i = 0; i < 3; i++) await client.rpc('game.input', { match: 'rate', dx: 0, dy: 0 });
      await assert.rejects(client.rpc('game.input', { match: 'rate', dx: 0, dy: 0 }), { code: 111 });
      await assert.rejects(client.rpc('game.say', { match: 'rate', text: 'spam' }), { code: 111 });
      now += 100; // one token back at 10 per second
      await client.rpc('game.input', { match: 'rate', dx: 1, dy: 0 });
    } finally {
      client.disconnect();
      await game.stop();
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
      await client.rpc('game.join', { match: 'only', name: 'O' });
      await assert.rejects(client.rpc('game.join', { match: 'second', name: 'O' }), { code: 106 });
      assert.equal((await server.hub.broker.history(leaseChannel('second'))).offset, 0, 'a refused match leaves nothing in the broker');
      // Not subscribed to game:only, so the presence check drops the player; then the match idles out.
      await game.checkPresence('only');
      now = 600;
      game.tick('only');
      assert.equal(game.snapshot('only')?.players.length, 0);
      now = 1700;
      game.tick('only');
      assert.equal(game.matchCount, 0);
      await client.rpc('game.join', { match: 'second', name: 'O' });
      await game.stop();
      await assert.rejects(client.rpc('game.join', { match: 'second', name: 'O' }), { code: 108 });
      assert.equal(game.matchCount, 0);
    } finally {
      client.disconnect();
      await game.stop();
      await server.close();
    }
  });
});

describe('GameService lease', () => {
  it('stops ticking a match whose lease went unrenewed for two thirds of leaseMs; the next call carries it on from the save', async () => {
    const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, namespaces: { game: { ...GAME_NAMESPACE_OPTIONS } } });
    let now = 10_000;
    const game = new GameService(server.hub, { leaseMs: 3_000, now: () => now });
    const { port } = await server.listen();
    const client = new Client(`ws://127.0.0.1:${port}/connection/websocket`);
    try {
      client.connect();
      await client.subscribe('game:lapse').ready();
      const joined = await client.rpc<JoinResult>('game.join', { match: 'lapse', name: 'L' });
      assert.equal(game.runs('lapse'), true);
      // As if the broker had been unreachable for 2 s: the renewal never happened.
      now += 2_000;
      game.tick('lapse');
      assert.equal(game.runs('lapse'), false, 'a node that may have lost its lease stops at once');
      // The lease is still this node's (3 s after the claim): a call brings the match back from the save.
      await client.rpc('game.input', { match: 'lapse', dx: 1, dy: 0 });
      assert.equal(game.runs('lapse'), true);
      assert.equal(game.snapshot('lapse')?.players.find((p) => p.id === joined.you)?.name, 'L');
    } finally {
      client.disconnect();
      await game.stop();
      await server.close();
    }
  });
});
