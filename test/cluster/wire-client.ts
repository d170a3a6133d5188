// A minimal client of the wire protocol (docs/protocol.md) over the npm `ws` client:
// commands with ids, replies by id, pushes collected per channel.
import WebSocket from 'ws';

/** A publication push (`pub` is its channel) or a join/leave push (`push`, `channel`). */
export interface Push {
  pub?: string;
  offset?: number;
  data?: unknown;
  push?: 'join' | 'leave';
  channel?: string;
  info?: { client: string; user: string };
}

export class WireClient {
  readonly pushes: Push[] = [];
  clientId = '';
  /** The close code the server sent, once the socket has closed. */
  closeCode: number | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('close', (code) => (this.closeCode = code));
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { id?: number; result?: unknown; error?: { message: string }; push?: string; pub?: string };
      if (message.id !== undefined) {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result);
      } else if (message.push !== undefined || message.pub !== undefined) {
        this.pushes.push(message as Push);
      }
    });
  }

  static async connect(port: number, name: string): Promise<WireClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, 'volley.v1');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const client = new WireClient(socket);
    const result = (await client.call('connect', { name })) as { client: string };
    client.clientId = result.client;
    return client;
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  publications(channel: string): unknown[] {
    return this.pushes.filter((p) => p.pub === channel).map((p) => p.data);
  }

  /** The position after the last publication received on the channel. */
  lastOffset(channel: string): number {
    const offsets = this.pushes.filter((p) => p.pub === channel).map((p) => p.offset ?? 0);
    return Math.max(0, ...offsets);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
