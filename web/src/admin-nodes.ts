// The console's figures and node list: cluster totals from `info`, every live node's
// snapshot, and the limits in force on the node that answered.

import type { InfoAnswer } from './admin-api.js';
import { byId, element } from './dom.js';
import { formatDuration, formatInteger, formatRate } from './format.js';

export function showInfo(info: InfoAnswer): void {
  byId('nodes-count').textContent = formatInteger(info.totals.nodes);
  byId('connections-total').textContent = formatInteger(info.totals.connections);
  byId('rate-in').textContent = formatRate(info.totals.messagesInPerSecond);
  byId('rate-out').textContent = formatRate(info.totals.messagesOutPerSecond);
  byId('errors-rate').textContent = formatRate(info.totals.errorsPerSecond);
  byId('node-name').textContent = `node ${info.node.id} · v${info.node.version}`;
  byId('broker-kind').textContent = `broker: ${info.node.broker}`;
  byId('nodes-rows').replaceChildren(
    ...info.nodes.map((n) => {
      const tr = element('tr', n.node === info.node.id ? 'selected' : undefined);
      tr.dataset.node = n.node;
      const cells: Array<[string, string]> = [
        [n.node, 'mono'], [n.version, ''], [n.broker, ''], [formatDuration(n.uptimeSeconds), ''],
        [formatInteger(n.connections), 'num connections'], [formatRate(n.messagesInPerSecond), 'num'],
        [formatRate(n.messagesOutPerSecond), 'num'], [formatRate(n.errorsPerSecond), 'num'],
      ];
      for (const [text, className] of cells) tr.append(element('td', className, text));
      return tr;
    }),
  );
  const limits = byId('limits');
  limits.replaceChildren(
    ...Object.entries(info.node.limits).flatMap(([name, value]) => {
      const item = element('div');
      item.append(element('dt', undefined, name), element('dd', 'mono', typeof value === 'number' ? formatInteger(value) : String(value)));
      return [item];
    }),
  );
}
