// The session core with fake responses and a fake clock: sequence numbers, the bounded
// queue as bufferedAmount (the hub's slow-consumer cut), resume by ack, the grace period,
// heartbeats, poll timeouts and a close while no request is attached.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBroker } from '../../src/broker/memory.js';
import { Hub } from '../../src/hub/hub.js';
import { OutboundMessage } from '../../src/hub/session.js';
import type { Downstream } from '../../src/transports/http-session.js';
import { resolveTransportOptions, type TransportOptions } from '../../src/transports/options.js';
import { SessionRegistry } from '../../src/transports/session-registry.js';
import { FORMATS } from '../../src/transports/session-service.js';
import type { Chunk } from '../../src/transports/wire-format.js';

class FakeResponse implements Downstream {
  chunks: string[] = [];
  ended = false;
  destroyed = false;
  pending = 0;
  /** false: the peer does not read, so every write stays pending. */
  reading = true;
  write(chunks: Chunk[]): void {
    assert.ok(!this.ended && !this.destroyed, 'no write after the end');
    for (const c of chunks) {
      this.chunks.push(c.toString());
      if (!this.reading) this.pending += c.length;
    }
  }
  end(chunks: Chunk[]): void {
    this.write(chunks);
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

function setup(options: TransportOptions = {}, highWaterMark = 1_000_000) {
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const hub = new Hub({ broker: new MemoryBroker(), allowAnonymous: true, sweepIntervalMs: 0, limits: { highWaterMark }, now: clock.now });
  const released: string[] = [];
  const registry = new SessionRegistry(resolveTransportOptions(options, 65_536), clock.now);
  const open = (transport: 'sse' | 'http-stream' | 'long-polling', id = `n.${'A'.repeat(22)}${registry.size}`) => {
    const session = registry.create(id, FORMATS[transport], () => released.push(id));
    session.bind(hub.connect(session));
    return session;
  };
  return { hub, registry, clock, released, open };
}

const seqs = (text: string) => [...text.matchAll(/"seq":(\d+)/g)].map((m) => Number(m[1]));

describe('HttpSession', () => {
  it('numbers messages from 1 and encodes a message once per transport for every session', () => {
    const { open } = setup();
    const a = open('http-stream');
    const b = open('http-stream');
    const ra = new FakeResponse();
    const rb = new FakeResponse();
    a.attach(ra, undefined, true);
    b.attach(rb, undefined, true);
    const message = new OutboundMessage('{"pub":"c","data":1}');
    let encodings = 0;
    const original = FORMATS['http-stream'].encode;
    message.encoded('http-stream', (text) => {
      encodings += 1;
      return original(text);
    });
    a.send(message);
    b.send(message);
    a.send(new OutboundMessage('{"id":1,"result":{}}'));
    assert.equal(encodings, 1);
    assert.deepEqual(seqs(ra.text), [1, 2]);
    assert.deepEqual(seqs(rb.text), [1]);
    assert.match(ra.text, /^\{"open":\{"session":"n\.A+0"\}\}\n\{"seq":1,"m":\{"pub":"c"/);
  });

  it('messages queued with no request attached count as bufferedAmount; past highWaterMark the hub cuts the session (3002) and frees it', async () => {
    const { hub, open, released } = setup({}, 4_000);
    const session = open('sse');
    const response = new FakeResponse();
    session.attach(response, undefined, true);
    session.receive(['{"id":1,"method":"connect"}', '{"id":2,"method":"subscribe","params":{"channel":"news"}}']);
    while (session.lastSeq < 2) await new Promise((resolve) => setImmediate(resolve));
    session.detach(response);
    let published = 0;
    while (!session.isEnded && published < 100) {
      const before = session.bufferedAmount;
      await hub.publish('news', 'x'.repeat(500));
      published += 1;
      if (!session.isEnded) assert.ok(session.bufferedAmount > before, 'each publication adds to bufferedAmount');
    }
    assert.equal(session.isEnded, true, 'cut as a slow consumer');
    assert.ok(published < 20);
    assert.equal(hub.stats.slowConsumerDisconnects, 1);
    assert.equal(hub.connectionCount, 0);
    assert.equal(session.bufferedAmount, 0, 'its queue is freed');
    assert.equal(released.length, 1);
  });

  it('an attached response that does not drain is cut the same way (its unflushed bytes count)', async () => {
    const { hub, open } = setup({}, 4_000);
    const session = open('http-stream');
    const response = new FakeResponse();
    session.attach(response, undefined, true);
    session.receive(['{"id":1,"method":"connect"}', '{"id":2,"method":"subscribe","params":{"channel":"news"}}']);
    while (session.lastSeq < 2) await new Promise((resolve) => setImmediate(resolve));
    response.reading = false;
    let published = 0;
    while (!session.isEnded && published < 100) {
      await hub.publish('news', 'x'.repeat(500));
      published += 1;
    }
    assert.equal(session.isEnded, true);
    assert.ok(published < 20);
    assert.equal(response.destroyed, true, 'a peer that does not read gets no goodbye');
  });

  it('a resume drops what the ack covers and writes the rest again; no open item on a resume', () => {
    const { open } = setup();
    const session = open('http-stream');
    const first = new FakeResponse();
    session.attach(first, undefined, true);
    for (let i = 1; i <= 5; i++) session.send(new OutboundMessage(`{"n":${i}}`));
    session.detach(first);
    const second = new FakeResponse();
    assert.equal(session.attach(second, 3, false), undefined);
    assert.deepEqual(seqs(second.text), [4, 5]);
    assert.doesNotMatch(second.text, /open/);
    assert.equal(session.queued, 2);
    assert.equal(session.attach(new FakeResponse(), 9, false), 'ack-ahead');
  });

  it('a long-lived stream with many kept messages writes each message once, in order, across resumes and acks', () => {
    const { open } = setup({ resumeBufferBytes: 10_000 });
    const session = open('http-stream');
    let response = new FakeResponse();
    session.attach(response, undefined, true);
    const seen: number[] = [];
    let last = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 300; i++) session.send(new OutboundMessage(`{"r":${round},"i":${i}}`));
      const got = seqs(response.text);
      assert.deepEqual(got, got.map((_, i) => got[0]! + i), 'each message written once, in order');
      for (const seq of got) if (seq > last) seen.push(seq);
      last = Math.max(last, ...got);
      if (round % 2 === 0) session.acknowledge(last - 5);
      session.detach(response);
      response = new FakeResponse();
      session.attach(response, last, false);
    }
    assert.deepEqual(seen, Array.from({ length: 1_500 }, (_, i) => i + 1));
    assert.ok(session.bufferedAmount === 0);
  });

  it('a new request lets go of the previous one (a stream ends, a held poll is answered empty)', () => {
    const { open } = setup();
    const stream = open('http-stream');
    const one = new FakeResponse();
    stream.attach(one, undefined, true);
    stream.attach(new FakeResponse(), 0, false);
    assert.equal(one.ended, true);
    const poll = open('long-polling');
    poll.attach(new FakeResponse(), undefined, true);
    const held = new FakeResponse();
    poll.attach(held, 0, false);
    assert.equal(held.ended, false, 'nothing queued: the poll is held');
    poll.attach(new FakeResponse(), 0, false);
    assert.equal(held.text, '{"messages":[]}');
  });

  it('written messages are kept up to resumeBufferBytes; a resume from before them closes with 3004', () => {
    const { hub, open, released } = setup({ resumeBufferBytes: 100 });
    const session = open('http-stream');
    const first = new FakeResponse();
    session.attach(first, undefined, true);
    for (let i = 1; i <= 10; i++) session.send(new OutboundMessage(`{"n":"${'y'.repeat(20)}${i}"}`));
    assert.ok(session.queued < 10, 'the oldest written messages were dropped');
    session.detach(first);
    const resume = new FakeResponse();
    session.attach(resume, 1, false);
    assert.match(resume.text, /\{"close":\{"code":3004,"reason":"cannot resume/);
    assert.equal(resume.ended, true);
    assert.equal(session.isEnded, true);
    assert.equal(hub.connectionCount, 0);
    assert.equal(released.length, 1);
  });

  it('a session closed while detached and resumed from before what it keeps still delivers its close', () => {
    const { open, registry } = setup({ resumeBufferBytes: 50 });
    const session = open('sse');
    const first = new FakeResponse();
    session.attach(first, undefined, true);
    for (let i = 1; i <= 6; i++) session.send(new OutboundMessage(`{"n":"${'y'.repeat(20)}${i}"}`));
    session.detach(first);
    session.close(3503, 'bye');
    const resume = new FakeResponse();
    session.attach(resume, 1, false);
    assert.match(resume.text, /event: close\ndata: \{"code":3503,"reason":"bye"\}/);
    assert.equal(resume.ended, true);
    assert.equal(registry.size, 0);
  });

  it('with no request attached for sessionGraceMs the session closes as if its socket dropped', () => {
    const { hub, registry, clock, open, released } = setup({ sessionGraceMs: 30_000 });
    const session = open('sse');
    const response = new FakeResponse();
    session.attach(response, undefined, true);
    session.detach(response);
    assert.equal(hub.connectionCount, 1);
    clock.advance(29_000);
    registry.tick();
    assert.equal(session.isEnded, false);
    clock.advance(1_000);
    registry.tick();
    assert.equal(session.isEnded, true);
    assert.equal(hub.connectionCount, 0);
    assert.equal(registry.size, 0);
    assert.equal(released.length, 1);
  });

  it('a client that promised a request every L ms and stays silent for 2L is gone, though its response is still attached; each POST or resume renews it', () => {
    const { hub, registry, clock, open } = setup({ heartbeatMs: 15_000 });
    const session = open('sse');
    session.expectClientEvery(5_000);
    const response = new FakeResponse();
    session.attach(response, undefined, true);
    clock.advance(9_000);
    session.heard(); // a POST
    clock.advance(9_000);
    registry.tick();
    session.attach(new FakeResponse(), session.lastSeq, false); // a resume
    clock.advance(9_999);
    registry.tick();
    assert.equal(session.isEnded, false, 'renewed by the POST and the resume');
    clock.advance(1);
    registry.tick();
    assert.equal(session.isEnded, true, 'silent for 2L');
    assert.equal(hub.connectionCount, 0, 'the hub saw it leave');

    const quiet = open('sse');
    quiet.attach(new FakeResponse(), undefined, true);
    clock.advance(60_000);
    registry.tick();
    assert.equal(quiet.isEnded, false, 'no promise, no cut: heartbeats go on');
  });

  it('heartbeats after heartbeatMs without a write; a held poll is answered empty at pollTimeoutMs', () => {
    const { registry, clock, open } = setup({ heartbeatMs: 15_000, pollTimeoutMs: 25_000 });
    const sse = open('sse');
    const sseResponse = new FakeResponse();
    sse.attach(sseResponse, undefined, true);
    const poll = open('long-polling');
    poll.attach(new FakeResponse(), undefined, true);
    const held = new FakeResponse();
    poll.attach(held, 0, false);
    clock.advance(14_000);
    registry.tick();
    assert.doesNotMatch(sseResponse.text, /: \n\n$/);
    clock.advance(1_000);
    registry.tick();
    assert.match(sseResponse.text, /\n: \n\n$/);
    assert.equal(held.ended, false);
    clock.advance(10_000);
    registry.tick();
    assert.equal(held.text, '{"messages":[]}');
  });

  it('a held poll is answered with what was queued in the same turn, at once', async () => {
    const { open } = setup();
    const poll = open('long-polling');
    poll.attach(new FakeResponse(), undefined, true);
    const held = new FakeResponse();
    poll.attach(held, 0, false);
    poll.send(new OutboundMessage('{"a":1}'));
    poll.send(new OutboundMessage('{"b":2}'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(held.text, '{"messages":[{"seq":1,"m":{"a":1}},{"seq":2,"m":{"b":2}}]}');
  });

  it('closed while no request is attached: the next resume gets what was queued and the close, then the session is gone', () => {
    const { registry, open, released } = setup();
    const session = open('long-polling');
    session.attach(new FakeResponse(), undefined, true);
    session.send(new OutboundMessage('{"last":1}'));
    session.close(3503, 'bye');
    assert.equal(registry.size, 1, 'kept for its resume');
    const resume = new FakeResponse();
    session.attach(resume, 0, false);
    // The answer is queued for the end of the turn.
    return new Promise<void>((resolve) => setImmediate(() => {
      assert.equal(resume.text, '{"messages":[{"seq":1,"m":{"last":1}}],"close":{"code":3503,"reason":"bye"}}');
      assert.equal(registry.size, 0);
      assert.equal(released.length, 1);
      resolve();
    }));
  });
});
