// The game page: joins the match in the URL (?match=, default "arena"). The player is the
// connection's identity: with a token its user; anonymous, the connection, and the rejoin
// ticket the server gave it is kept in sessionStorage, so a reload or a cut brings back the
// same player with their score. The server owns the state: the page sends its direction by
// rpc and draws the binary deltas (decodeDelta, shared with the server).

import {
  MATCH_PATTERN, RPC_GAME_INPUT, RPC_GAME_JOIN, RPC_GAME_SAY, chatChannel, decodeDelta, stateChannel,
  type ChatLine, type JoinResult,
} from '../../src/demo/game/protocol.js';
import { Arena, colourOf } from './game-arena.js';
import { connectClient } from './connect.js';
import { byId, element, showConnection } from './dom.js';

const TICKET_KEY = 'volley-game-ticket';
const NAME_KEY = 'volley-demo-name';

const params = new URLSearchParams(window.location.search);
const requested = params.get('match') ?? 'arena';
const match = MATCH_PATTERN.test(requested) ? requested : 'arena';
const name = params.get('name') ?? localStorage.getItem(NAME_KEY) ?? `player-${crypto.randomUUID().slice(0, 4)}`;
const ticketKey = `${TICKET_KEY}:${match}`;

const canvas = byId<HTMLCanvasElement>('arena');
const list = byId('players');
const errorLine = byId('game-error');
byId('match-name').textContent = match;
const arena = new Arena(canvas);
const client = connectClient(showConnection);
const state = client.newSubscription<Uint8Array>(stateChannel(match));
const chat = client.newSubscription<ChatLine>(chatChannel(match));

function showError(error: unknown): void {
  errorLine.textContent = error instanceof Error ? error.message : String(error);
}

/** The list, with each player's position as data attributes (the page tests read them). */
function renderPlayers(): void {
  const players = arena.list().sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  list.replaceChildren(...players.map((p) => {
    const item = element('li', `player${p.online ? '' : ' offline'}${p.id === arena.me ? ' me' : ''}`);
    Object.assign(item.dataset, { id: String(p.id), x: String(p.x), y: String(p.y), score: String(p.score) });
    const dot = element('span', 'dot');
    dot.style.background = colourOf(p.id);
    item.append(dot, element('span', 'name', p.name), element('span', 'score', String(p.score)));
    return item;
  }));
  byId('online-count').textContent = String(players.filter((p) => p.online).length);
}

// On every (re)subscription: the whole state by rpc, then the deltas on top of it.
let lastTick = 0;
state.on('subscribed', () => {
  const ticket = sessionStorage.getItem(ticketKey);
  client.rpc<JoinResult>(RPC_GAME_JOIN, { match, name, ...(ticket === null ? {} : { ticket }) }).then((joined) => {
    if (joined.ticket !== undefined) sessionStorage.setItem(ticketKey, joined.ticket);
    lastTick = joined.tick;
    arena.me = joined.you;
    arena.reset(joined.players, joined.items, joined.tickHz);
    renderPlayers();
    errorLine.textContent = '';
  }, showError);
});
state.on('publication', ({ data: bytes }) => {
  let data;
  try {
    data = decodeDelta(bytes);
  } catch (error) {
    showError(error);
    return;
  }
  // Already in the snapshot; a full delta (another node took the match over) always counts.
  if (data.full !== true && data.tick <= lastTick) return;
  lastTick = data.tick;
  const now = performance.now();
  if (data.full === true) arena.reset([], [], 0);
  arena.rename(data.names ?? []);
  for (const p of data.players ?? []) arena.update(p, now);
  for (const id of data.gone ?? []) arena.remove(id);
  for (const item of data.items ?? []) arena.addItem(item);
  for (const id of data.taken ?? []) arena.takeItem(id);
  if (data.players !== undefined || data.gone !== undefined || data.names !== undefined) renderPlayers();
});
chat.on('publication', ({ data }) => {
  const line = element('li');
  line.append(element('b', undefined, data.name), document.createTextNode(data.text));
  const lines = byId('chat-lines');
  lines.append(line);
  while (lines.children.length > 100) lines.firstElementChild?.remove();
  lines.scrollTop = lines.scrollHeight;
});
state.subscribe();
chat.subscribe();

// Keys held → a direction; sent only when it changes.
const held = new Set<string>();
const KEYS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1],
  a: [-1, 0], d: [1, 0], w: [0, -1], s: [0, 1],
};
let sent = '0,0';
function sendDirection(): void {
  let dx = 0;
  let dy = 0;
  for (const key of held) {
    dx += KEYS[key]![0];
    dy += KEYS[key]![1];
  }
  const next = `${Math.sign(dx)},${Math.sign(dy)}`;
  if (next === sent) return;
  sent = next;
  client.rpc(RPC_GAME_INPUT, { match, dx: Math.sign(dx), dy: Math.sign(dy) }).catch(showError);
}
function onKey(event: KeyboardEvent, down: boolean): void {
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (!(key in KEYS) || (event.target instanceof HTMLInputElement)) return;
  event.preventDefault();
  if (down) held.add(key);
  else held.delete(key);
  sendDirection();
}
window.addEventListener('keydown', (event) => onKey(event, true));
window.addEventListener('keyup', (event) => onKey(event, false));
window.addEventListener('blur', () => {
  held.clear();
  sendDirection();
});

byId<HTMLFormElement>('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('chat-text');
  if (input.value.trim() === '') return;
  client.rpc(RPC_GAME_SAY, { match, text: input.value }).then(() => {
    input.value = '';
  }, showError);
});
