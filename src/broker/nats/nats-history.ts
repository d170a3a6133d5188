// Channel history on NATS JetStream. One stream holds every channel, one subject per
// channel; each message carries its stream position in headers. Offsets are assigned
// by compare-and-append: a node reads the channel's last message and publishes with
// `Nats-Expected-Last-Subject-Sequence` set to its sequence, so of two nodes racing for
// the same offset one wins and the other reads again. No offset is ever given twice.
//
// Expiry is judged with the broker's clock against times the headers carry: the
// publications expire `ttlMs` after the last one, the epoch and offset `metaTtlMs`
// after the last publication or subscribe. A subscribe extends the latter through a
// small KV entry ("<epoch>:<expiresAt>"), so reads never rewrite the stream. The
// stream's max_age, and purges after trimming or a reset, are what free the storage.

import { randomBytes } from 'node:crypto';
import type { JetStreamClient, JetStreamManager, KV, MsgHdrs, StoredMsg } from 'nats';
import type { BrokerHistoryOptions, BrokerPublication, BrokerPublishOptions, ClientInfo, HistoryRetention, StreamPosition } from '../broker.js';
import type { NatsNames } from './nats-names.js';

const H = {
  kind: 'Volley-Kind',
  epoch: 'Volley-Epoch',
  offset: 'Volley-Offset',
  size: 'Volley-Size',
  keepFrom: 'Volley-Keep-From',
  pubExpires: 'Volley-Pub-Expires',
  metaExpires: 'Volley-Meta-Expires',
  info: 'Volley-Info',
  exclude: 'Volley-Exclude',
  binary: 'Volley-Binary',
} as const;

/** JetStream's error code for a failed Expected-Last-Subject-Sequence check. */
const WRONG_LAST_SEQUENCE = 10071;
const MAX_ATTEMPTS = 50;
/** Channels whose last appended message this node remembers, to append in one round trip. */
const TOP_CACHE_SIZE = 10_000;

interface Top {
  seq: number;
  epoch: string;
  offset: number;
  size: number;
  keepFrom: number;
  pubExpires: number;
  metaExpires: number;
}

interface ChannelState {
  top: Top | undefined;
  /** The meta lifetime, extensions included; the stream is alive while now is below it. */
  metaExpires: number;
}

export interface StoredPublication {
  publication: BrokerPublication;
  excludeClient: string;
}

export interface NatsHistoryDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  meta: KV;
  names: NatsNames;
  now: () => number;
  headers: () => MsgHdrs;
  /** Reports failures of background purges. */
  onError: (error: Error) => void;
  requestTimeoutMs: number;
}

export class NatsHistory {
  /**
   * The last message this node appended per channel. Used optimistically: if another
   * node appended since, the compare-and-append fails and the state is read again.
   */
  private readonly tops = new Map<string, ChannelState>();
  /** Appends of one channel from this node run one after another, so they never race each other. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: NatsHistoryDeps) {}

  /** Appends a publication, assigning the next offset; returns the new position. */
  append(channel: string, data: string, retention: HistoryRetention, options: Pick<BrokerPublishOptions, 'info' | 'excludeClient' | 'binary'> = {}): Promise<StreamPosition> {
    const previous = this.queues.get(channel) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.appendNow(channel, data, retention, options));
    this.queues.set(channel, next);
    const forget = () => {
      if (this.queues.get(channel) === next) this.queues.delete(channel);
    };
    next.then(forget, forget);
    return next;
  }

  private async appendNow(channel: string, data: string, retention: HistoryRetention, options: Pick<BrokerPublishOptions, 'info' | 'excludeClient' | 'binary'>): Promise<StreamPosition> {
    const { info, excludeClient } = options;
    const { names, now } = this.deps;
    const subject = names.history(channel);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cached = attempt === 0 ? this.tops.get(channel) : undefined;
      // A cached stream that looks alive is alive (extensions only lengthen its life).
      const state = cached !== undefined && now() < cached.metaExpires ? cached : await this.state(channel);
      const time = now();
      const alive = state.top !== undefined && time < state.metaExpires;
      const top = alive ? state.top! : undefined;
      const offset = (top?.offset ?? 0) + 1;
      const epoch = top?.epoch ?? newEpoch();
      // Publications that expired do not come back when the next one arrives.
      const keepFrom = top !== undefined && top.pubExpires > time ? top.keepFrom : offset;
      const headers = this.deps.headers();
      headers.set(H.kind, 'pub');
      headers.set(H.epoch, epoch);
      headers.set(H.offset, String(offset));
      headers.set(H.size, String(retention.size));
      headers.set(H.keepFrom, String(keepFrom));
      headers.set(H.pubExpires, String(time + retention.ttlMs));
      headers.set(H.metaExpires, String(Math.max(alive ? state.metaExpires : 0, time + retention.metaTtlMs)));
      if (info !== undefined) headers.set(H.info, JSON.stringify(info));
      if (excludeClient !== undefined) headers.set(H.exclude, excludeClient);
      if (options.binary === true) headers.set(H.binary, '1');
      const seq = await this.compareAndAppend(subject, data, headers, state.top?.seq ?? 0);
      if (seq === undefined) continue;
      this.remember(channel, {
        top: { seq, epoch, offset, size: retention.size, keepFrom, pubExpires: time + retention.ttlMs, metaExpires: Number(headers.get(H.metaExpires)) },
        metaExpires: Number(headers.get(H.metaExpires)),
      });
      if (keepFrom === offset && state.top !== undefined) this.purgeBefore(subject, seq);
      else if (offset % retention.size === 0 && offset > retention.size) this.trim(subject, retention.size);
      return { offset, epoch };
    }
    throw new Error(`history of ${channel}: too much contention, publication not stored`);
  }

  /** Reads the stream; with `retention`, extends a live stream's meta lifetime (never creates one). */
  async read(channel: string, options: BrokerHistoryOptions): Promise<{ epoch: string; offset: number; entries: StoredPublication[] }> {
    let state = await this.state(channel);
    let time = this.deps.now();
    if (options.retention !== undefined) {
      state = await this.extend(channel, state, options.retention);
      time = this.deps.now();
    }
    const top = state.top;
    if (top === undefined || time >= state.metaExpires) return { epoch: '', offset: 0, entries: [] };
    const result = { epoch: top.epoch, offset: top.offset, entries: [] as StoredPublication[] };
    const limit = options.limit ?? Infinity;
    if (limit <= 0 || top.pubExpires <= time || top.offset === 0) return result;
    const lowest = Math.max(top.keepFrom, top.offset - top.size + 1, 1);
    const backward = options.direction === 'backward';
    const since = options.since?.offset;
    const from = backward ? lowest : Math.max(lowest, since === undefined ? lowest : since + 1);
    const to = backward && since !== undefined ? Math.min(top.offset, since - 1) : top.offset;
    if (from > to) return result;
    const wanted = await this.fetch(channel, top, from, to);
    if (backward) wanted.reverse();
    result.entries = wanted.slice(0, limit);
    return result;
  }

  async remove(channel: string): Promise<void> {
    const { jsm, meta, names } = this.deps;
    this.tops.delete(channel);
    await jsm.streams.purge(names.historyStream, { filter: names.history(channel) });
    await meta.purge(names.channelKey(channel));
  }

  /** Extends the meta lifetime of a live stream; a channel without one is left without. */
  private async extend(channel: string, state: ChannelState, retention: HistoryRetention): Promise<ChannelState> {
    const metaExpires = this.deps.now() + retention.metaTtlMs;
    if (state.top === undefined || this.deps.now() >= state.metaExpires || metaExpires <= state.metaExpires) return state;
    await this.deps.meta.put(this.deps.names.channelKey(channel), `${state.top.epoch}:${metaExpires}`);
    return { top: state.top, metaExpires };
  }

  private remember(channel: string, state: ChannelState): void {
    this.tops.delete(channel);
    this.tops.set(channel, state);
    if (this.tops.size > TOP_CACHE_SIZE) this.tops.delete(this.tops.keys().next().value!);
  }

  /** The channel's last message and its meta lifetime (extensions included). */
  private async state(channel: string): Promise<ChannelState> {
    const { jsm, meta, names } = this.deps;
    const [last, extension] = await Promise.all([
      lastMessage(jsm, names.historyStream, names.history(channel)),
      meta.get(names.channelKey(channel)),
    ]);
    if (last === undefined) return { top: undefined, metaExpires: 0 };
    const top = parseTop(last);
    let metaExpires = top.metaExpires;
    const [epoch, expires] = (extension?.operation === 'PUT' ? extension.string() : '').split(':');
    if (epoch === top.epoch) metaExpires = Math.max(metaExpires, Number(expires));
    return { top, metaExpires };
  }

  /** Publishes if the subject's last sequence is still `expected`; undefined when another node was first. */
  private async compareAndAppend(subject: string, data: string, headers: MsgHdrs, expected: number): Promise<number | undefined> {
    try {
      const ack = await this.deps.js.publish(subject, data, {
        headers,
        expect: { lastSubjectSequence: expected },
        timeout: this.deps.requestTimeoutMs,
      });
      return ack.seq;
    } catch (error) {
      if ((error as { api_error?: { err_code?: number } }).api_error?.err_code === WRONG_LAST_SEQUENCE) return undefined;
      throw error;
    }
  }

  /** The channel's messages with offsets from..to, oldest first, through an ordered consumer. */
  private async fetch(channel: string, top: Top, from: number, to: number): Promise<StoredPublication[]> {
    const { js, names } = this.deps;
    const consumer = await js.consumers.get(names.historyStream, { filterSubjects: names.history(channel) });
    const messages = await consumer.consume({ max_messages: Math.min(1_000, to - from + 16) });
    const found: StoredPublication[] = [];
    try {
      for await (const message of messages) {
        const headers = message.headers;
        if (headers !== undefined && headers.get(H.kind) === 'pub' && headers.get(H.epoch) === top.epoch) {
          const offset = Number(headers.get(H.offset));
          if (offset >= from && offset <= to) found.push(toStored(offset, message.string(), headers));
        }
        if (message.seq >= top.seq || message.info.pending === 0) break;
      }
    } finally {
      messages.stop();
      await consumer.delete().catch(() => {});
    }
    return found;
  }

  private purgeBefore(subject: string, seq: number): void {
    this.deps.jsm.streams.purge(this.deps.names.historyStream, { filter: subject, seq }).catch(this.deps.onError);
  }

  private trim(subject: string, keep: number): void {
    this.deps.jsm.streams.purge(this.deps.names.historyStream, { filter: subject, keep }).catch(this.deps.onError);
  }
}

async function lastMessage(jsm: JetStreamManager, stream: string, subject: string): Promise<StoredMsg | undefined> {
  try {
    return await jsm.streams.getMessage(stream, { last_by_subj: subject });
  } catch (error) {
    const code = (error as { api_error?: { err_code?: number }; code?: string }).api_error?.err_code;
    if (code === 10037 || /no message found/i.test(String((error as Error).message))) return undefined;
    throw error;
  }
}

function parseTop(message: StoredMsg): Top {
  const h = message.header;
  return {
    seq: message.seq,
    epoch: h.get(H.epoch),
    offset: Number(h.get(H.offset)),
    size: Number(h.get(H.size)) || 1,
    keepFrom: Number(h.get(H.keepFrom)) || 1,
    pubExpires: Number(h.get(H.pubExpires)),
    metaExpires: Number(h.get(H.metaExpires)),
  };
}

function toStored(offset: number, data: string, headers: MsgHdrs): StoredPublication {
  const publication: BrokerPublication = { offset, data };
  const info = headers.get(H.info);
  if (info !== '') publication.info = JSON.parse(info) as ClientInfo;
  if (headers.get(H.binary) === '1') publication.binary = true;
  return { publication, excludeClient: headers.get(H.exclude) };
}

function newEpoch(): string {
  return randomBytes(6).toString('hex');
}
