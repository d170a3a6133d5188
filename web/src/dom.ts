// Small DOM helpers. Text always goes in through textContent, never as HTML, so names
// and messages from other people cannot inject markup.

/** The element with this id; throws when the page lacks it (a build mistake, not a user's). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Shows the connection state in the page's status pill (`#connection`). */
export function showConnection(state: string): void {
  const pill = byId('connection');
  pill.textContent = state;
  pill.dataset.state = state;
}
