// Who is editing: the awareness states of everyone on the document, with their colour.

import type { Awareness } from 'y-protocols/awareness';
import { element } from './dom.js';

export interface DocsUser {
  name: string;
  color: string;
  colorLight: string;
}

const COLORS = ['#e11d48', '#2563eb', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

/** A colour for this tab: random, so two tabs of one person differ. */
export function pickColor(): { color: string; colorLight: string } {
  const color = COLORS[Math.floor(Math.random() * COLORS.length)]!;
  return { color, colorLight: `${color}33` };
}

/** Keeps `list` and `count` showing the people in `awareness`. */
export function showPeople(awareness: Awareness, list: HTMLElement, count: HTMLElement): () => void {
  const render = () => {
    const items: HTMLElement[] = [];
    for (const [id, state] of awareness.getStates()) {
      const user = (state as { user?: Partial<DocsUser> }).user;
      if (user === undefined || typeof user.name !== 'string') continue;
      const item = element('li', id === awareness.clientID ? 'person me' : 'person');
      const dot = element('span', 'dot');
      dot.style.background = typeof user.color === 'string' ? user.color : 'gray';
      item.append(dot, element('span', 'name', user.name));
      items.push(item);
    }
    list.replaceChildren(...items);
    count.textContent = String(items.length);
  };
  awareness.on('change', render);
  render();
  return () => awareness.off('change', render);
}
