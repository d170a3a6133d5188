// Recognises a message the broker sends again after a broken connection, when the bridge had
// already published it into Volley but the PUBACK never reached the broker (MQTT resends an
// unacknowledged QoS 1 message with the DUP flag and its original packet id).
//
// The bridge remembers the packet id, topic and a hash of the payload of the last messages it
// published. A DUP message that matches one of them is acknowledged without publishing again.
// Brokers hand out packet ids in turn (Mosquitto counts up), so an id comes back for a new
// message only after tens of thousands of others; the memory is kept much shorter than that.
// It is in memory only: after a crash of the Volley node the resent messages are published again.

import { createHash } from 'node:crypto';

export class RecentDeliveries {
  private readonly byPacketId = new Map<number, string>();

  constructor(private readonly capacity = 4_096) {}

  remember(packetId: number, topic: string, payload: Buffer): void {
    this.byPacketId.delete(packetId);
    this.byPacketId.set(packetId, fingerprint(topic, payload));
    if (this.byPacketId.size > this.capacity) this.byPacketId.delete(this.byPacketId.keys().next().value!);
  }

  /** Whether a message the broker marked DUP is one the bridge has already published. */
  isResent(packetId: number, topic: string, payload: Buffer): boolean {
    return this.byPacketId.get(packetId) === fingerprint(topic, payload);
  }
}

function fingerprint(topic: string, payload: Buffer): string {
  return createHash('sha1').update(topic).update('\u0000').update(payload).digest('base64');
}
