// The console's channels: this node's channels with their subscribers and presence count;
// one opened channel shows its presence and recent history, and takes a publication.

import { ApiError, api, type ChannelsAnswer } from './admin-api.js';
import { byId, element } from './dom.js';
import { formatClock, formatInteger } from './format.js';

interface ClientInfo {
  client: string;
  user: string;
}

interface HistoryAnswer {
  publications: Array<{ offset: number; data: unknown; info?: ClientInfo }>;
}

const HISTORY_LIMIT = 10;

export class ChannelsPanel {
  private readonly rows = byId<HTMLTableSectionElement>('channels-rows');
  private readonly detail = byId('channel-detail');
  private readonly publishData = byId<HTMLTextAreaElement>('publish-data');
  private readonly publishResult = byId('publish-result');
  private opened: string | undefined;

  constructor() {
    byId<HTMLFormElement>('channel-open').addEventListener('submit', (event) => {
      event.preventDefault();
      const name = byId<HTMLInputElement>('channel-name').value.trim();
      if (name !== '') this.open(name);
    });
    byId<HTMLFormElement>('publish').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.publish();
    });
  }

  async refresh(): Promise<void> {
    const answer = await api<ChannelsAnswer>('channels', { limit: 100 });
    byId('channels-count').textContent = `${formatInteger(answer.total)} in all`;
    this.rows.replaceChildren(
      ...answer.channels.map((c) => {
        const tr = element('tr', c.channel === this.opened ? 'selected' : undefined);
        tr.dataset.channel = c.channel;
        tr.tabIndex = 0;
        tr.append(element('td', 'mono', c.channel), element('td', 'num', formatInteger(c.subscribers)));
        tr.append(element('td', 'num', c.presence === undefined ? '–' : `${c.presence.numClients} (${c.presence.numUsers} users)`));
        tr.addEventListener('click', () => this.open(c.channel));
        tr.addEventListener('keydown', (event) => {
          if (event.key === 'Enter') this.open(c.channel);
        });
        return tr;
      }),
    );
    if (this.opened !== undefined) await this.loadDetail(this.opened);
  }

  open(channel: string): void {
    if (this.opened !== channel) {
      this.opened = channel;
      this.publishResult.textContent = '';
      this.publishResult.className = 'small';
    }
    byId('channel-title').textContent = channel;
    this.detail.hidden = false;
    for (const tr of this.rows.querySelectorAll<HTMLElement>('tr')) tr.classList.toggle('selected', tr.dataset.channel === channel);
    void this.loadDetail(channel);
  }

  private async loadDetail(channel: string): Promise<void> {
    const [presence, history] = await Promise.allSettled([
      api<{ clients: Record<string, ClientInfo> }>('presence', { channel }),
      api<HistoryAnswer>('history', { channel, limit: HISTORY_LIMIT, direction: 'backward' }),
    ]);
    if (this.opened !== channel) return;
    const presenceList = byId('presence-list');
    if (presence.status === 'fulfilled') {
      const clients = Object.values(presence.value.clients);
      presenceList.replaceChildren(...clients.map((c) => element('li', undefined, `${c.user === '' ? 'anonymous' : c.user} · ${c.client.slice(0, 8)}`)));
      if (clients.length === 0) presenceList.append(element('li', 'muted', 'nobody'));
    } else {
      presenceList.replaceChildren(element('li', 'muted', reasonOf(presence.reason)));
    }
    const historyList = byId('history-list');
    if (history.status === 'fulfilled') {
      historyList.replaceChildren(
        ...history.value.publications.map((p) => {
          const li = element('li');
          li.append(element('span', 'muted mono', `#${p.offset} `), element('code', undefined, JSON.stringify(p.data)));
          return li;
        }),
      );
      if (history.value.publications.length === 0) historyList.append(element('li', 'muted', 'empty'));
    } else {
      historyList.replaceChildren(element('li', 'muted', reasonOf(history.reason)));
    }
  }

  private async publish(): Promise<void> {
    const channel = this.opened;
    if (channel === undefined) return;
    let data: unknown;
    try {
      data = JSON.parse(this.publishData.value);
    } catch {
      this.showResult('That is not JSON.', true);
      return;
    }
    try {
      const result = await api<{ offset?: number }>('publish', { channel, data });
      this.showResult(`Published at ${formatClock(Date.now())}${result.offset ? ` (offset ${result.offset})` : ''}.`, false);
      await this.loadDetail(channel);
    } catch (error) {
      this.showResult(reasonOf(error), true);
    }
  }

  private showResult(text: string, failed: boolean): void {
    this.publishResult.textContent = text;
    this.publishResult.className = failed ? 'small error' : 'small ok';
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof ApiError) return `${error.message}${error.code === undefined ? '' : ` (${error.code})`}`;
  return 'the server did not answer';
}
