// The Docs page: a shared text editor. The document is `docs:<name>` (`?doc=` in the URL,
// so a link brings a friend in); with a document token in the URL fragment
// (`#token=<connection JWT>&doctoken=<subscription JWT>`) it is the private `$docs:<name>`,
// read-only or read-write as the token says. Edits made offline merge on return.

import * as Y from 'yjs';
import { Client } from '../../src/client/index.js';
import { VolleyProvider } from '../../src/yjs/index.js';
import { endpointUrl } from './connect.js';
import { createEditor } from './docs-editor.js';
import { pickColor, showPeople } from './docs-people.js';
import { byId, showConnection } from './dom.js';

const NAME_KEY = 'volley-demo-name';
const DOC_PATTERN = /^[A-Za-z0-9_-]{1,48}$/;

const params = new URLSearchParams(window.location.search);
const secrets = new URLSearchParams(window.location.hash.slice(1));
const docName = DOC_PATTERN.test(params.get('doc') ?? '') ? params.get('doc')! : 'welcome';
const token = secrets.get('token') ?? undefined;
const docToken = secrets.get('doctoken') ?? undefined;
const channel = docToken === undefined ? `docs:${docName}` : `$docs:${docName}`;

const nameInput = byId<HTMLInputElement>('name');
const docInput = byId<HTMLInputElement>('doc');
const offlineButton = byId<HTMLButtonElement>('offline');
const syncBadge = byId('sync');
const readOnlyBadge = byId('read-only');
byId('doc-title').textContent = docName;
docInput.value = docName;
nameInput.value = localStorage.getItem(NAME_KEY) ?? `Guest ${Math.floor(Math.random() * 900 + 100)}`;

const client = new Client(endpointUrl(), { name: 'volley-demo-docs', ...(token === undefined ? {} : { token }) });
client.on('state', ({ newState }) => {
  showConnection(newState);
  showSync();
});
const doc = new Y.Doc();
const provider = new VolleyProvider(client, channel, doc, docToken === undefined ? {} : { subscription: { token: docToken } });
provider.awareness.setLocalStateField('user', { name: nameInput.value, ...pickColor() });
const editor = createEditor(byId('editor'), doc.getText('text'), provider.awareness);
showPeople(provider.awareness, byId('people'), byId('people-count'));

function showSync(): void {
  syncBadge.textContent = provider.synced ? 'synced' : client.state === 'disconnected' ? 'offline: edits kept here' : 'syncing…';
}
provider.on('synced', () => {
  showSync();
  readOnlyBadge.hidden = provider.access !== 'read';
  editor.setReadOnly(provider.access === 'read');
});
provider.on('error', ({ error }) => console.warn('volley docs:', error));
client.connect();

offlineButton.addEventListener('click', () => {
  if (client.state === 'disconnected') {
    client.connect();
    offlineButton.textContent = 'Go offline';
  } else {
    client.disconnect();
    offlineButton.textContent = 'Go online';
  }
});

nameInput.addEventListener('change', () => {
  const name = nameInput.value.trim().slice(0, 24);
  if (name === '') return;
  localStorage.setItem(NAME_KEY, name);
  provider.awareness.setLocalStateField('user', { ...provider.awareness.getLocalState()?.user, name });
});

byId<HTMLFormElement>('settings').addEventListener('submit', (event) => {
  event.preventDefault();
  if (DOC_PATTERN.test(docInput.value)) window.location.search = `?doc=${encodeURIComponent(docInput.value)}`;
});

window.addEventListener('pagehide', () => provider.destroy());

/** For the console and the browser tests. */
(window as unknown as { volleyDocs: unknown }).volleyDocs = { client, provider, doc, editor, text: () => doc.getText('text').toString() };
