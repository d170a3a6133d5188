// The sender's write paths: small frames kept and merged per event-loop turn, larger frames
// and control frames written to the corked socket after them, callbacks, bufferedAmount, and
// the kept frames reaching the peer before our FIN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket } from '../../src/ws/websocket.js';
import { prepareMessage } from '../../src/ws/prepared-message.js';
import { closed, nextMessages, startServer } from './helpers.js';
import { clientFrame, parseFrames, rawClient } from './raw-peers.js';

test('small, large, prepared and control frames sent in one turn arrive in order; callbacks run once each, in order', async (t) => {
  const { wss, url } = await startServer();
  t.after(() => wss.close());
  const sizes = [10, 2000, 1, 300, 70_000, 5, 1024, 1025, 0, 900, 20_000, 3];
  const calls: number[] = [];
  wss.on('connection', (ws) => {
    const prepared = prepareMessage('prepared');
    let n = 0;
    for (let round = 0; round < 40; round++) {
      for (const size of sizes) {
        const id = n++;
        ws.send(Buffer.alloc(size, id & 0xff), (err) => {
          assert.ifError(err);
          calls.push(id);
        });
      }
      ws.sendPrepared(prepared);
      ws.ping('p' + round);
      ws.send('text ' + round);
    }
    // Kept frames count in bufferedAmount the moment they are sent.
    assert.ok(ws.bufferedAmount > 0);
  });
  const client = new WebSocket(url);
  const pings: string[] = [];
  client.on('ping', (d) => pings.push(d.toString()));
  const messages = await nextMessages(client, 40 * (sizes.length + 2));
  let n = 0;
  let k = 0;
  for (let round = 0; round < 40; round++) {
    for (const size of sizes) {
      const [data, binary] = messages[k++]!;
      assert.equal(binary, true);
      assert.equal(data.length, size, `round ${round} size ${size}`);
      if (size > 0) assert.equal(data[0], n & 0xff);
      n++;
    }
    assert.equal(messages[k++]![0].toString(), 'prepared');
    assert.equal(messages[k++]![0].toString(), 'text ' + round);
  }
  assert.deepEqual(pings, Array.from({ length: 40 }, (_, i) => 'p' + i));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(calls, Array.from({ length: n }, (_, i) => i));
  client.close();
  await closed(client);
});

test('thousands of small frames in one turn go out merged and in order, then the close frame', async (t) => {
  const { wss, port } = await startServer();
  t.after(() => wss.close());
  wss.on('connection', (ws) => {
    for (let i = 0; i < 5000; i++) ws.send(`m${i}`);
    ws.close(1000, 'done');
  });
  const peer = await rawClient(port);
  let frames = parseFrames(peer.received());
  while (frames.length < 5001) {
    await new Promise((r) => setTimeout(r, 10));
    frames = parseFrames(peer.received());
  }
  peer.socket.destroy();
  assert.equal(frames.length, 5001);
  for (let i = 0; i < 5000; i++) assert.equal(frames[i]![1].toString(), `m${i}`);
  assert.equal(frames[5000]![0], 0x8);
  assert.equal(frames[5000]![1].readUInt16BE(0), 1000);
});

test('frames sent in the turn the peer half-closes still reach it before our FIN', async (t) => {
  const { wss, port } = await startServer();
  t.after(() => wss.close());
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      for (let i = 0; i < 3; i++) ws.send(`${data} ${i}`);
    });
  });
  const peer = await rawClient(port);
  // A message and our FIN in one segment: the server reads both in one turn.
  peer.socket.end(clientFrame(0x1, 'bye'));
  await peer.closed;
  const frames = parseFrames(peer.received());
  assert.deepEqual(
    frames.map(([op, d]) => [op, d.toString()]),
    [
      [1, 'bye 0'],
      [1, 'bye 1'],
      [1, 'bye 2'],
    ],
  );
});

test('a send to a connection destroyed in the same turn reports an error to its callback', async (t) => {
  const { wss, url } = await startServer();
  t.after(() => wss.close());
  const result = new Promise<Error | null | undefined>((resolve) => {
    wss.on('connection', (ws) => {
      ws.send('small', (err) => resolve(err));
      ws.terminate();
    });
  });
  const client = new WebSocket(url);
  client.on('error', () => {});
  const err = await result;
  assert.ok(err instanceof Error);
  await once(client, 'close');
});

test('sends after the first of a turn, to a socket destroyed under the connection in between, report an error to their callbacks', async (t) => {
  const { wss, url } = await startServer();
  t.after(() => wss.close());
  const results = new Promise<Array<Error | null | undefined>>((resolve) => {
    wss.on('connection', (ws, req) => {
      const errors: Array<Error | null | undefined> = [];
      const record = (err?: Error | null) => {
        errors.push(err);
        if (errors.length === 3) resolve(errors);
      };
      ws.send('first', record);
      // Gone without the WebSocket knowing yet (its 'close' comes later): only the sender can tell.
      req.socket.destroy();
      ws.send('second', record);
      ws.sendPrepared(prepareMessage('third'), record);
    });
  });
  const client = new WebSocket(url);
  client.on('error', () => {});
  const errors = await results;
  assert.equal(errors.length, 3);
  for (const err of errors) assert.ok(err instanceof Error);
});

test('the first send of a turn, to a socket destroyed under the connection before it, reports an error to its callback', async (t) => {
  const { wss, url } = await startServer();
  t.after(() => wss.close());
  const result = new Promise<Error | null | undefined>((resolve) => {
    wss.on('connection', (ws, req) => {
      req.socket.destroy();
      ws.sendPrepared(prepareMessage('late'), (err) => resolve(err));
    });
  });
  const client = new WebSocket(url);
  client.on('error', () => {});
  assert.ok((await result) instanceof Error);
});

test('prepared messages broadcast in one turn reach each connection as its own sequence, however much it shares with the others', async (t) => {
  const { wss, url } = await startServer();
  t.after(() => wss.close());
  // Each connection's frames for the turn, by prepared message; neighbours share prefixes,
  // lengths or everything, and one gets a frame of its own between the shared ones.
  const plans: Array<Array<string | { own: string }>> = [
    ['a', 'b', 'c'],
    ['a', 'b', 'c'],
    ['a', 'b'],
    ['a', 'b', 'd'],
    ['a', 'b', 'c'],
    ['a', { own: 'x' }, 'b', 'c'],
    ['b', 'a', 'c'],
    ['a', 'b', 'c', 'c'],
    ['a'],
    ['a', 'b', 'c'],
  ];
  const clients = await Promise.all(
    plans.map(async () => {
      const client = new WebSocket(url);
      await once(client, 'open');
      return client;
    }),
  );
  const servers = [...wss.clients];
  assert.equal(servers.length, plans.length);
  const indexOf = new Map<unknown, number>();
  // Match server connections to plans by a hello each client sends first.
  const hellos = servers.map((ws) => once(ws, 'message').then(([data]) => indexOf.set(ws, Number(String(data)))));
  clients.forEach((client, i) => client.send(String(i)));
  await Promise.all(hellos);
  const prepared = new Map(['a', 'b', 'c', 'd'].map((name) => [name, prepareMessage(`shared ${name}`)]));
  const arrivals = clients.map((client, i) => nextMessages(client, plans[i]!.length));
  for (const ws of servers) {
    for (const step of plans[indexOf.get(ws)!]!) {
      if (typeof step === 'string') ws.sendPrepared(prepared.get(step)!);
      else ws.send(`own ${step.own}`);
    }
  }
  const received = await Promise.all(arrivals);
  received.forEach((messages, i) => {
    const expected = plans[i]!.map((step) => (typeof step === 'string' ? `shared ${step}` : `own ${step.own}`));
    assert.deepEqual(messages.map(([data]) => String(data)), expected, `connection ${i}`);
  });
  for (const client of clients) client.close();
  await Promise.all(clients.map((client) => closed(client)));
});

test('small sends of several connections interleaved in one turn each arrive whole and in order, as they were when sent', async (t) => {
  // Small server frames of all connections share one output slab: each connection's frames
  // must come out as its own sequence, a buffer changed after send() must not change what
  // was sent, and frames past the slab's end (16 KiB) must start a new one cleanly.
  const { wss, url } = await startServer();
  t.after(() => wss.close());
  const { clients, servers, indexOf } = await numberedClients(wss, url, 4);
  const rounds = 200;
  const sizeOf = (round: number) => [0, 1, 125, 126, 300, 1000][round % 6]!;
  const arrivals = clients.map((client) => nextMessages(client, rounds * 2));
  const scratch = Buffer.alloc(1000);
  for (let round = 0; round < rounds; round++) {
    for (const ws of servers) {
      const i = indexOf.get(ws)!;
      const payload = scratch.subarray(0, sizeOf(round)).fill((i * 31 + round) & 0xff);
      ws.send(payload);
      payload.fill(0xee);
      ws.send(`c${i} r${round} ${'é'.repeat(round % 50)}`);
    }
  }
  const received = await Promise.all(arrivals);
  received.forEach((messages, i) => {
    for (let round = 0; round < rounds; round++) {
      const [data, binary] = messages[round * 2]!;
      assert.equal(binary, true);
      assert.deepEqual(data, Buffer.alloc(sizeOf(round), (i * 31 + round) & 0xff), `connection ${i} round ${round}`);
      const [text, isBinary] = messages[round * 2 + 1]!;
      assert.equal(isBinary, false);
      assert.equal(String(text), `c${i} r${round} ${'é'.repeat(round % 50)}`);
    }
  });
  for (const client of clients) client.close();
  await Promise.all(clients.map((client) => closed(client)));
});

test('a broadcast loop (each publication to every connection in turn) reaches each connection in order, with skips and frames of its own between', async (t) => {
  const { wss, url } = await startServer();
  t.after(() => wss.close());
  // What connection i gets of publication `name`: the publication, nothing, or its own frame first.
  const rules: Array<(name: string) => string[]> = [
    (name) => [`shared ${name}`],
    (name) => (name === 'b' ? [] : [`shared ${name}`]),
    (name) => (name === 'c' ? ['own x', `shared ${name}`] : [`shared ${name}`]),
    (name) => (name === 'd' ? [`shared ${name}`] : []),
    (name) => [`shared ${name}`],
  ];
  const names = ['a', 'b', 'c', 'd'];
  const expected = rules.map((rule) => names.flatMap(rule));
  const { clients, servers, indexOf } = await numberedClients(wss, url, rules.length);
  const arrivals = clients.map((client, i) => nextMessages(client, expected[i]!.length));
  for (const name of names) {
    const prepared = prepareMessage(`shared ${name}`);
    for (const ws of servers) {
      for (const text of rules[indexOf.get(ws)!]!(name)) {
        if (text.startsWith('own')) ws.send(text);
        else ws.sendPrepared(prepared);
      }
    }
  }
  const received = await Promise.all(arrivals);
  received.forEach((messages, i) => assert.deepEqual(messages.map(([data]) => String(data)), expected[i], `connection ${i}`));
  for (const client of clients) client.close();
  await Promise.all(clients.map((client) => closed(client)));
});

/**
 * Opens `count` clients; each says its index first, so the test knows which server-side
 * socket is whose (`indexOf`), whatever order the server accepted them in.
 */
async function numberedClients(wss: { clients: Iterable<any> }, url: string, count: number) {
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const client = new WebSocket(url);
      await once(client, 'open');
      return client;
    }),
  );
  const servers = [...wss.clients];
  const indexOf = new Map<unknown, number>();
  const hellos = servers.map((ws) => once(ws, 'message').then(([data]) => indexOf.set(ws, Number(String(data)))));
  clients.forEach((client, i) => client.send(String(i)));
  await Promise.all(hellos);
  return { clients, servers, indexOf };
}
