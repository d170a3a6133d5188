// How the nodes of a cluster keep their copies of a document equal. Clients' updates
// reach every client through the document's channel, but the hub hands a publication
// only to connections, so each node's document service would see only the updates
// accepted on that node. The service therefore talks to the other nodes through the
// broker on a channel of its own per loaded document (a name no client can subscribe to:
// it has a space in it):
//   { n, u }       node n accepted or made this update: apply it
//   { n, q }       node n has just loaded the document with state vector q: answer
//   { n, to, u }   the answer: what node `to` lacked
// A node holds that broker subscription exactly while it has the document loaded.

import type { Broker, BrokerEvent } from '../../broker/broker.js';
import { fromBase64, toBase64 } from '../../wire/base64.js';

export interface PeerHandlers {
  /** What a node with this state vector lacks, or undefined when the document is not loaded here. */
  diff(channel: string, stateVector: Uint8Array): Uint8Array | undefined;
  /** Apply another node's update; `answer` is true for a reply to our own request. */
  apply(channel: string, update: Uint8Array, answer: boolean): void;
  reportError(error: unknown): void;
}

interface PeerMessage {
  n: string;
  u?: string;
  q?: string;
  to?: string;
}

export function peerChannelOf(channel: string): string {
  return `volley.yjs peers ${channel}`;
}

export class PeerSync {
  constructor(
    private readonly broker: Broker,
    readonly nodeId: string,
    private readonly handlers: PeerHandlers,
  ) {}

  attach(channel: string): Promise<void> {
    return this.broker.subscribe(peerChannelOf(channel), (event) => this.receive(channel, event));
  }

  detach(channel: string): Promise<void> {
    return this.broker.unsubscribe(peerChannelOf(channel));
  }

  /** Tells the other nodes about an update this node accepted. */
  forward(channel: string, update: Uint8Array): void {
    this.send(channel, { n: this.nodeId, u: toBase64(update) });
  }

  /** Asks the nodes that have the document loaded for what this node lacks. */
  request(channel: string, stateVector: Uint8Array): void {
    this.send(channel, { n: this.nodeId, q: toBase64(stateVector) });
  }

  private send(channel: string, message: PeerMessage): void {
    this.broker.publish(peerChannelOf(channel), JSON.stringify(message)).catch((error: unknown) => this.handlers.reportError(error));
  }

  private receive(channel: string, event: BrokerEvent): void {
    if (event.type !== 'publication') return;
    try {
      const message = JSON.parse(event.publication.data) as PeerMessage;
      if (message.n === this.nodeId) return;
      if (typeof message.q === 'string') {
        const vector = fromBase64(message.q);
        const missing = vector === undefined ? undefined : this.handlers.diff(channel, vector);
        if (missing !== undefined && missing.length > 2) this.send(channel, { n: this.nodeId, to: message.n, u: toBase64(missing) });
      }
      if (typeof message.u === 'string') {
        if (message.to !== undefined && message.to !== this.nodeId) return;
        const update = fromBase64(message.u);
        if (update === undefined) throw new Error('a peer update that is not base64');
        this.handlers.apply(channel, update, message.to !== undefined);
      }
    } catch (error) {
      this.handlers.reportError(error);
    }
  }
}
