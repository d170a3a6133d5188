// One person in one chat room: registers the display name, subscribes, loads recent
// history on entry (and again after a gap), keeps the member list, and publishes.

import type { Client, Subscription } from '../../src/client/index.js';
import {
  MAX_TEXT_LENGTH, RPC_HELLO, RPC_WHO, chatChannel, cleanText, isChatMessage,
  type ChatMessage, type HelloResult, type RoomMember, type WhoResult,
} from '../../src/demo/protocol.js';

/** Messages loaded from history on entry. */
const HISTORY_ON_ENTRY = 50;
/** Join/leave bursts are coalesced into one roster request. */
const ROSTER_DEBOUNCE_MS = 150;
/** A member without a name yet (it registers right after its join) is asked about again. */
const UNNAMED_RETRY_MS = 1_000;
const UNNAMED_RETRIES = 3;

export interface RoomEvents {
  /** A message at a stream offset; offsets order the conversation. */
  message(offset: number, message: ChatMessage, fromClient: string | undefined): void;
  /** The stream started anew (server restart): forget the shown messages. */
  reset(): void;
  members(members: readonly RoomMember[]): void;
  joined(name: string): void;
  left(name: string): void;
}

export class ChatRoom {
  private readonly subscription: Subscription<unknown>;
  private readonly names = new Map<string, string>();
  private epoch: string | undefined;
  private rosterTimer: ReturnType<typeof setTimeout> | undefined;
  private unnamedRetries = 0;
  /** Clients whose join was heard but whose name the roster did not know yet. */
  private readonly unnamedJoins = new Set<string>();

  private constructor(
    private readonly client: Client,
    readonly room: string,
    readonly name: string,
    private readonly events: RoomEvents,
  ) {
    this.subscription = client.subscribe(chatChannel(room));
    this.subscription.on('subscribed', ({ wasRecovering, recovered, position }) => {
      if (position !== undefined && position.epoch !== this.epoch) {
        if (this.epoch !== undefined) events.reset();
        this.epoch = position.epoch;
      }
      if (!wasRecovering || !recovered) this.loadHistory();
      this.scheduleRoster();
    });
    this.subscription.on('publication', ({ data, offset, info }) => {
      if (offset === undefined || !isChatMessage(data)) return;
      if (info !== undefined && !this.names.get(info.client)) this.names.set(info.client, data.name);
      events.message(offset, data, info?.client);
    });
    this.subscription.on('join', ({ info }) => {
      this.unnamedJoins.add(info.client);
      this.scheduleRoster();
    });
    this.subscription.on('leave', ({ info }) => {
      const name = this.names.get(info.client);
      if (name) events.left(name);
      this.scheduleRoster();
    });
    // A reconnect gives a new client id: register the name again under it.
    client.on('connected', () => {
      this.hello().then(() => this.scheduleRoster(), () => {});
    });
  }

  /** Connects the name first, so that others learn it before they hear the join. */
  static async enter(client: Client, room: string, name: string, events: RoomEvents): Promise<ChatRoom> {
    await client.ready();
    const { name: stored } = await client.rpc<HelloResult>(RPC_HELLO, { name });
    const chat = new ChatRoom(client, room, stored, events);
    await chat.subscription.ready();
    return chat;
  }

  get clientId(): string | undefined {
    return this.client.id;
  }

  async send(text: string): Promise<void> {
    const clean = cleanText(text, MAX_TEXT_LENGTH);
    if (clean === '') return;
    const message: ChatMessage = { name: this.name, text: clean, sentAt: Date.now() };
    await this.subscription.publish(message);
  }

  private async hello(): Promise<void> {
    await this.client.rpc<HelloResult>(RPC_HELLO, { name: this.name });
  }

  private loadHistory(): void {
    this.subscription.history({ limit: HISTORY_ON_ENTRY, direction: 'backward' }).then(
      ({ publications }) => {
        for (const publication of publications.reverse()) {
          if (publication.offset === undefined || !isChatMessage(publication.data)) continue;
          this.events.message(publication.offset, publication.data, publication.info?.client);
        }
      },
      () => {},
    );
  }

  private scheduleRoster(delayMs = ROSTER_DEBOUNCE_MS, retry = false): void {
    if (!retry) this.unnamedRetries = 0;
    clearTimeout(this.rosterTimer);
    this.rosterTimer = setTimeout(() => this.loadRoster(), delayMs);
  }

  private loadRoster(): void {
    this.client.rpc<WhoResult>(RPC_WHO, { room: this.room }).then(
      ({ members }) => {
        for (const member of members) {
          if (member.name !== '') this.names.set(member.client, member.name);
          const name = this.names.get(member.client) ?? '';
          // Announce a join once its name is known (the joiner registers it first).
          if (name !== '' && this.unnamedJoins.delete(member.client) && member.client !== this.client.id) this.events.joined(name);
        }
        const present = new Set(members.map((m) => m.client));
        for (const client of this.unnamedJoins) if (!present.has(client)) this.unnamedJoins.delete(client);
        const named = members.map((m) => ({ client: m.client, name: this.names.get(m.client) ?? '' }));
        this.events.members(named);
        if (named.some((m) => m.name === '') && this.unnamedRetries < UNNAMED_RETRIES) {
          this.unnamedRetries += 1;
          this.scheduleRoster(UNNAMED_RETRY_MS, true);
        }
      },
      () => {},
    );
  }
}
