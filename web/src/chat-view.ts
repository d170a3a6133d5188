// The chat's DOM: the conversation in stream order, join/leave lines, the member list.

import type { ChatMessage, RoomMember } from '../../src/demo/protocol.js';
import { element } from './dom.js';
import { formatClock } from './format.js';

interface Line {
  /** Stream offset for messages; system lines sort just after the newest message. */
  key: number;
  node: HTMLElement;
}

export class ChatView {
  private lines: Line[] = [];
  private readonly offsets = new Set<number>();
  private systemCount = 0;

  constructor(
    private readonly log: HTMLElement,
    private readonly memberList: HTMLElement,
    private readonly memberCount: HTMLElement,
  ) {}

  /** Adds a message once (history and live pushes may both carry it), in offset order. */
  message(offset: number, message: ChatMessage, mine: boolean): void {
    if (this.offsets.has(offset)) return;
    this.offsets.add(offset);
    const node = element('li', mine ? 'message mine' : 'message');
    node.dataset.offset = String(offset);
    const meta = element('div', 'meta');
    meta.append(element('span', 'author', message.name), element('time', 'time', formatClock(message.sentAt)));
    node.append(meta, element('p', 'text', message.text));
    this.insert({ key: offset, node });
  }

  system(text: string): void {
    const newest = this.lines.length === 0 ? 0 : Math.floor(this.lines[this.lines.length - 1]!.key);
    // Fractions keep system lines after the message they followed and before the next one.
    this.systemCount += 1;
    this.insert({ key: newest + 1 - 1 / (this.systemCount + 1), node: element('li', 'system', text) });
  }

  clear(): void {
    this.lines = [];
    this.offsets.clear();
    this.log.replaceChildren();
  }

  members(members: readonly RoomMember[], selfId: string | undefined): void {
    const sorted = [...members].sort((a, b) => (a.client === selfId ? -1 : b.client === selfId ? 1 : a.name.localeCompare(b.name)));
    this.memberList.replaceChildren(
      ...sorted.map((m) => {
        const item = element('li', m.client === selfId ? 'member me' : 'member', m.name || 'guest');
        if (m.client === selfId) item.append(element('span', 'you', ' (you)'));
        return item;
      }),
    );
    this.memberCount.textContent = String(members.length);
  }

  private insert(line: Line): void {
    const stickToBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 48;
    let index = this.lines.length;
    while (index > 0 && this.lines[index - 1]!.key > line.key) index--;
    const next = this.lines[index];
    this.lines.splice(index, 0, line);
    this.log.insertBefore(line.node, next?.node ?? null);
    if (stickToBottom) this.log.scrollTop = this.log.scrollHeight;
  }
}
