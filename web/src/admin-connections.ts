// The console's connections table: one node's connections (the answering node's, or another
// one's asked through the broker), a page at a time, optionally of one user; refreshed on
// every poll. Each row can be disconnected with a close code, and
// a user filter offers to disconnect all of that user's connections (on every node).

import { api, type ConnectionRow, type ConnectionsAnswer } from './admin-api.js';
import { byId, element } from './dom.js';
import { formatDuration, formatInteger } from './format.js';

const PAGE_SIZE = 50;

export type DisconnectTarget = { client: string; label: string } | { user: string; label: string };

export class ConnectionsPanel {
  private offset = 0;
  private total = 0;
  private readonly rows = byId<HTMLTableSectionElement>('connections-rows');
  private readonly filter = byId<HTMLInputElement>('user-filter');
  private readonly disconnectUser = byId<HTMLButtonElement>('disconnect-user');
  private readonly nodeSelect = byId<HTMLSelectElement>('connections-node');
  /** The node whose connections are shown; '' for the node that answers (until the first info). */
  private node = '';

  constructor(private readonly askDisconnect: (target: DisconnectTarget) => void, private readonly changed: () => void) {
    this.filter.addEventListener('input', () => {
      this.offset = 0;
      this.disconnectUser.disabled = this.filter.value === '';
      this.changed();
    });
    this.disconnectUser.addEventListener('click', () => {
      const user = this.filter.value;
      this.askDisconnect({ user, label: `every connection of user “${user}”, on every node` });
    });
    this.nodeSelect.addEventListener('change', () => {
      this.node = this.nodeSelect.value;
      this.offset = 0;
      this.changed();
    });
    byId('connections-prev').addEventListener('click', () => this.move(-PAGE_SIZE));
    byId('connections-next').addEventListener('click', () => this.move(PAGE_SIZE));
  }

  /** Offers every live node (another node's connections are asked through the broker). */
  setNodes(nodes: readonly string[], self: string): void {
    if (this.node === '' || !nodes.includes(this.node)) this.node = self;
    const current = [...this.nodeSelect.options].map((o) => o.value);
    if (current.join('\n') !== nodes.join('\n')) {
      this.nodeSelect.replaceChildren(...nodes.map((n) => new Option(n === self ? `${n} (this one)` : n, n)));
    }
    this.nodeSelect.value = this.node;
  }

  async refresh(): Promise<void> {
    const user = this.filter.value;
    const answer = await api<ConnectionsAnswer>('connections', {
      offset: this.offset, limit: PAGE_SIZE, ...(user === '' ? {} : { user }), ...(this.node === '' ? {} : { node: this.node }),
    });
    this.total = answer.total;
    if (this.offset > 0 && this.offset >= answer.total) {
      this.offset = Math.max(0, Math.floor((answer.total - 1) / PAGE_SIZE) * PAGE_SIZE);
      return this.refresh();
    }
    byId('connections-count').textContent = `${formatInteger(answer.total)} ${user === '' ? 'in all' : `of ${user}`}`;
    byId('connections-page').textContent = answer.total === 0 ? '' : `${answer.offset + 1}–${answer.offset + answer.connections.length} of ${answer.total}`;
    this.rows.replaceChildren(...answer.connections.map((c) => this.row(c)));
    if (answer.connections.length === 0) {
      const empty = element('tr');
      const cell = element('td', 'muted', user === '' ? 'No connections on this node.' : 'No connections of this user on this node.');
      cell.colSpan = 9;
      empty.append(cell);
      this.rows.append(empty);
    }
  }

  private move(by: number): void {
    const next = this.offset + by;
    if (next < 0 || next >= this.total) return;
    this.offset = next;
    this.changed();
  }

  private row(c: ConnectionRow): HTMLTableRowElement {
    const tr = element('tr');
    tr.dataset.client = c.client;
    const since = Math.max(0, Math.floor((Date.now() - c.connectedAt) / 1_000));
    const cells: Array<[string, string, string?]> = [
      [c.client.slice(0, 8), 'mono', c.client],
      [c.user === '' ? 'anonymous' : c.user, c.user === '' ? 'user muted' : 'user'],
      [c.transport, ''],
      [c.remoteAddress ?? '–', 'mono'],
      [c.channels.length === 0 ? '–' : c.channels.join(', '), 'channels'],
      [`${formatDuration(since)} ago`, '', new Date(c.connectedAt).toLocaleString()],
      [`${formatInteger(c.messagesIn)} · ${formatBytes(c.bytesIn)}`, 'num'],
      [`${formatInteger(c.messagesOut)} · ${formatBytes(c.bytesOut)}`, 'num'],
    ];
    for (const [text, className, title] of cells) {
      const td = element('td', className, text);
      if (title !== undefined) td.title = title;
      tr.append(td);
    }
    const action = element('td', 'actions');
    const button = element('button', 'danger small-button disconnect', 'Disconnect');
    button.type = 'button';
    button.addEventListener('click', () => this.askDisconnect({ client: c.client, label: `client ${c.client} (${c.user === '' ? 'anonymous' : c.user})` }));
    action.append(button);
    if (c.user !== '') {
      const all = element('button', 'quiet small-button', 'User…');
      all.type = 'button';
      all.title = `Show only ${c.user}'s connections`;
      all.addEventListener('click', () => {
        this.filter.value = c.user;
        this.filter.dispatchEvent(new Event('input'));
      });
      action.append(all);
    }
    tr.append(action);
    return tr;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
