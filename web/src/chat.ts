// The chat page: pick a name and a room, then talk. The room is in the URL (?room=) so a
// link brings a friend into the same room; the name is remembered on this device.

import { MAX_NAME_LENGTH, ROOM_PATTERN, cleanText } from '../../src/demo/protocol.js';
import { ChatRoom } from './chat-room.js';
import { ChatView } from './chat-view.js';
import { connectClient } from './connect.js';
import { byId, showConnection } from './dom.js';

const NAME_KEY = 'volley-demo-name';
const DEFAULT_ROOM = 'lobby';

const joinForm = byId<HTMLFormElement>('join');
const nameInput = byId<HTMLInputElement>('name');
const roomInput = byId<HTMLInputElement>('room');
const joinError = byId('join-error');
const sendForm = byId<HTMLFormElement>('send');
const textInput = byId<HTMLInputElement>('text');
const sendError = byId('send-error');
const view = new ChatView(byId('messages'), byId('members'), byId('member-count'));

nameInput.maxLength = MAX_NAME_LENGTH;
nameInput.value = localStorage.getItem(NAME_KEY) ?? '';
roomInput.value = new URLSearchParams(window.location.search).get('room') ?? DEFAULT_ROOM;

/** Lower case, and anything outside the channel grammar becomes '-'. */
function roomName(value: string): string {
  return value.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').slice(0, 32);
}

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = cleanText(nameInput.value, MAX_NAME_LENGTH);
  const room = roomName(roomInput.value);
  if (name === '' || !ROOM_PATTERN.test(room)) {
    joinError.textContent = name === '' ? 'Please choose a name.' : 'Room names use letters, digits, - and _.';
    return;
  }
  joinError.textContent = '';
  joinForm.querySelector('button')!.disabled = true;
  localStorage.setItem(NAME_KEY, name);
  enter(name, room).catch((error: unknown) => {
    joinError.textContent = `Could not join: ${error instanceof Error ? error.message : String(error)}`;
    joinForm.querySelector('button')!.disabled = false;
  });
});

async function enter(name: string, room: string): Promise<void> {
  const client = connectClient(showConnection);
  const chat = await ChatRoom.enter(client, room, name, {
    message: (offset, message, from) => view.message(offset, message, from !== undefined && from === client.id),
    reset: () => view.clear(),
    members: (members) => view.members(members, client.id),
    joined: (who) => view.system(`${who} joined`),
    left: (who) => view.system(`${who} left`),
  }).catch((error: unknown) => {
    client.disconnect();
    throw error;
  });
  history.replaceState(null, '', `?room=${encodeURIComponent(room)}`);
  document.body.dataset.view = 'room';
  byId('room-title').textContent = `#${room}`;
  byId('me').textContent = chat.name;
  textInput.focus();

  sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = textInput.value;
    if (text.trim() === '') return;
    textInput.value = '';
    sendError.textContent = '';
    chat.send(text).catch((error: unknown) => {
      sendError.textContent = `Not sent: ${error instanceof Error ? error.message : String(error)}`;
      textInput.value ||= text;
    });
  });
  // Leave at once (others see it now), rather than when the server notices the lost socket.
  window.addEventListener('pagehide', () => client.disconnect());
}
