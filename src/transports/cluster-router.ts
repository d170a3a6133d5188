// Any-node routing of the HTTP transports: a POST or a resume that lands on a node that does
// not hold the session is sent to the owner (the node id in the session id) over a NodeLink.
// A resume attaches a relay on the owner: the session writes to it as to a response, the
// chunks travel to this node's inbox and are written to the client's response here. The
// edge touches its relays every heartbeat so that the owner lets go of a relay whose edge
// node died; an edge whose client stops reading cuts the response and detaches.

import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { NodeLink, NodeLinkError } from '../broker/cluster/node-link.js';
import { refusals, TransportError } from './http-answers.js';
import type { Downstream } from './http-session.js';
import type { ResolvedTransportOptions } from './options.js';
import type { AttachRequest, PostRequest, SessionService } from './session-service.js';
import type { SessionRouter } from './session-router.js';
import type { Chunk } from './wire-format.js';

const KIND = {
  post: 'transports.post',
  attach: 'transports.attach',
  detach: 'transports.detach',
  relay: 'transports.relay',
  touch: 'transports.touch',
} as const;

/** A refusal as it travels between nodes. */
interface WireRefusal {
  status: number;
  key: TransportError['key'];
  message: string;
  headers: Record<string, string>;
}

const toWire = (error: TransportError | undefined): WireRefusal | null =>
  error === undefined ? null : { status: error.status, key: error.key, message: error.message, headers: error.headers };
const fromWire = (wire: unknown): TransportError | undefined => {
  if (wire === null || typeof wire !== 'object') return undefined;
  const { status, key, message, headers } = wire as WireRefusal;
  return new TransportError(status, key, message, headers);
};

interface RelayChunk {
  relay: string;
  chunks?: string[];
  end?: boolean;
  destroy?: boolean;
}

/** The owner's side of a relay: a Downstream whose writes go to the edge node. */
class RelayDownstream implements Downstream {
  touchedAt: number;

  constructor(
    private readonly link: NodeLink,
    readonly edge: string,
    readonly relay: string,
    readonly session: string,
    now: number,
    private readonly done: (relay: RelayDownstream) => void,
  ) {
    this.touchedAt = now;
  }

  write(chunks: Chunk[]): void {
    if (chunks.length > 0) this.sendChunk({ relay: this.relay, chunks: chunks.map(String) });
  }

  end(chunks: Chunk[]): void {
    this.sendChunk({ relay: this.relay, chunks: chunks.map(String), end: true });
    this.done(this);
  }

  destroy(): void {
    this.sendChunk({ relay: this.relay, destroy: true });
    this.done(this);
  }

  /** The edge cuts a client that does not read (it writes nothing it cannot flush). */
  get pending(): number {
    return 0;
  }

  private sendChunk(chunk: RelayChunk): void {
    this.link.send(this.edge, KIND.relay, chunk).catch(() => {});
  }
}

interface EdgeRelay {
  res: ServerResponse;
  owner: string;
  session: string;
}

export class ClusterRouter implements SessionRouter {
  /** Relays this node writes to its clients, by relay id. */
  private readonly edgeRelays = new Map<string, EdgeRelay>();
  /** Relays this node (the owner) writes to, by relay id. */
  private readonly ownerRelays = new Map<string, RelayDownstream>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly link: NodeLink,
    private readonly service: SessionService,
    private readonly options: ResolvedTransportOptions,
    /** Bytes an edge lets pile up in a client's response before it cuts it (the hub's highWaterMark). */
    private readonly maxPendingBytes: number,
    private readonly now: () => number = Date.now,
  ) {
    link.handle(KIND.post, (body) => toWire(this.service.post(body as PostRequest)));
    link.handle(KIND.attach, (body, from) => this.attachHere(body as AttachRequest & { relay: string }, from));
    link.on(KIND.detach, (body) => this.detachHere(body as { relay: string }));
    link.on(KIND.touch, (body) => this.touchHere(body as { relays: string[] }));
    link.on(KIND.relay, (body) => this.relayHere(body as RelayChunk));
    this.timer = setInterval(() => this.keepAlive(), Math.max(25, options.heartbeatMs));
    this.timer.unref();
  }

  async post(owner: string, request: PostRequest): Promise<TransportError | undefined> {
    try {
      return fromWire(await this.link.request(owner, KIND.post, request, this.options.routeTimeoutMs));
    } catch (error) {
      return this.unreachable(error);
    }
  }

  async attach(owner: string, request: AttachRequest, res: ServerResponse, headers: Record<string, string>): Promise<TransportError | undefined> {
    const relay = randomBytes(12).toString('base64url');
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    this.edgeRelays.set(relay, { res, owner, session: request.session });
    res.on('close', () => {
      if (!this.edgeRelays.delete(relay)) return;
      this.link.send(owner, KIND.detach, { relay }).catch(() => {});
    });
    let refused: TransportError | undefined;
    try {
      refused = fromWire(await this.link.request(owner, KIND.attach, { ...request, relay }, this.options.routeTimeoutMs));
    } catch (error) {
      refused = this.unreachable(error);
    }
    if (refused !== undefined) {
      this.edgeRelays.delete(relay);
      for (const name of Object.keys(headers)) res.removeHeader(name);
    }
    return refused;
  }

  close(): void {
    clearInterval(this.timer);
    for (const { res } of this.edgeRelays.values()) res.destroy();
    this.edgeRelays.clear();
    this.ownerRelays.clear();
  }

  // ---- the owner's side ----

  private attachHere(request: AttachRequest & { relay: string }, edge: string): WireRefusal | null {
    const downstream = new RelayDownstream(this.link, edge, request.relay, request.session, this.now(), (done) => {
      if (this.ownerRelays.get(done.relay) === done) this.ownerRelays.delete(done.relay);
    });
    const refused = this.service.attach({ session: request.session, transport: request.transport, ack: request.ack }, downstream);
    if (refused === undefined) this.ownerRelays.set(request.relay, downstream);
    return toWire(refused);
  }

  private detachHere({ relay }: { relay: string }): void {
    const downstream = this.ownerRelays.get(relay);
    if (downstream === undefined) return;
    this.ownerRelays.delete(relay);
    this.service.detach(downstream.session, downstream);
  }

  private touchHere({ relays }: { relays: string[] }): void {
    if (!Array.isArray(relays)) return;
    const now = this.now();
    for (const relay of relays) {
      const downstream = this.ownerRelays.get(relay);
      if (downstream !== undefined) downstream.touchedAt = now;
    }
  }

  // ---- the edge's side ----

  private relayHere(chunk: RelayChunk): void {
    const relay = this.edgeRelays.get(chunk.relay);
    if (relay === undefined) return;
    const { res } = relay;
    if (chunk.destroy) {
      this.edgeRelays.delete(chunk.relay);
      res.destroy();
      return;
    }
    if (!res.writableEnded && !res.destroyed && chunk.chunks !== undefined && chunk.chunks.length > 0) {
      res.cork();
      for (const text of chunk.chunks) res.write(text);
      res.uncork();
    }
    if (chunk.end) {
      this.edgeRelays.delete(chunk.relay);
      if (!res.writableEnded) res.end();
    } else if (res.writableLength > this.maxPendingBytes) {
      // The client does not read: cut it here; the 'close' handler detaches the relay.
      res.destroy();
    }
  }

  /** Edges touch their relays; owners let go of relays whose edge went silent. */
  private keepAlive(): void {
    const byOwner = new Map<string, string[]>();
    for (const [relay, { owner }] of this.edgeRelays) {
      let list = byOwner.get(owner);
      if (list === undefined) byOwner.set(owner, (list = []));
      list.push(relay);
    }
    for (const [owner, relays] of byOwner) this.link.send(owner, KIND.touch, { relays }).catch(() => {});
    const silentSince = this.now() - 3 * this.options.heartbeatMs - this.options.routeTimeoutMs;
    for (const [relay, downstream] of this.ownerRelays) {
      if (downstream.touchedAt >= silentSince) continue;
      this.ownerRelays.delete(relay);
      this.service.detach(downstream.session, downstream);
    }
  }

  /**
   * The owner did not answer in time (or is gone): to the client the session is as good as
   * unknown, so it opens a new one and the hub's recovery fills what it missed.
   */
  private unreachable(error: unknown): TransportError {
    const refusal = refusals.unknownSession();
    return error instanceof NodeLinkError ? new TransportError(404, refusal.key, `${refusal.message} (its node did not answer: ${error.reason})`) : refusal;
  }
}
