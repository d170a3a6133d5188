// The admin console (/admin): a login, then every two seconds the cluster's figures and
// charts, this node's connections and channels. Everything goes through the HTTP API with
// the session cookie the login set; a 401 on any call brings the login back.

import { ApiError, api, hasSession, login, logout, type InfoAnswer } from './admin-api.js';
import { AdminCharts } from './admin-charts.js';
import { ChannelsPanel } from './admin-channels.js';
import { ConnectionsPanel, type DisconnectTarget } from './admin-connections.js';
import { showInfo } from './admin-nodes.js';
import { byId, showConnection } from './dom.js';

const POLL_MS = 2_000;

let charts: AdminCharts | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
let polling = false;
let pending: DisconnectTarget | undefined;

const dialog = byId<HTMLDialogElement>('disconnect-dialog');
const connections = new ConnectionsPanel((target) => askDisconnect(target), () => void poll());
const channels = new ChannelsPanel();

function setView(view: 'login' | 'console'): void {
  document.body.dataset.view = view;
  if (view === 'login') {
    clearTimeout(timer);
    showConnection('logged out');
    byId<HTMLInputElement>('password').focus();
  }
}

async function poll(): Promise<void> {
  clearTimeout(timer);
  if (polling) return;
  polling = true;
  try {
    const info = await api<InfoAnswer>('info');
    showInfo(info);
    connections.setNodes(info.nodes.map((n) => n.node), info.node.id);
    charts ??= new AdminCharts();
    charts.show(info, Date.now());
    await Promise.all([connections.refresh(), channels.refresh()]);
    showConnection('connected');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      polling = false;
      return setView('login');
    }
    showConnection('disconnected');
  } finally {
    polling = false;
  }
  if (document.body.dataset.view === 'console') timer = setTimeout(() => void poll(), POLL_MS);
}

function startConsole(): void {
  setView('console');
  void poll();
}

function askDisconnect(target: DisconnectTarget): void {
  pending = target;
  byId('disconnect-target').textContent = `Disconnect ${target.label}?`;
  byId('disconnect-error').textContent = '';
  dialog.showModal();
}

byId<HTMLFormElement>('disconnect-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const target = pending;
  if (target === undefined) return;
  const code = Number(byId<HTMLInputElement>('disconnect-code').value);
  const reason = byId<HTMLInputElement>('disconnect-reason').value;
  api('disconnect', { ...('client' in target ? { client: target.client } : { user: target.user }), code, reason }).then(
    () => {
      dialog.close();
      pending = undefined;
      void poll();
    },
    (error: unknown) => {
      byId('disconnect-error').textContent = error instanceof Error ? error.message : 'failed';
    },
  );
});
byId('disconnect-cancel').addEventListener('click', () => dialog.close());

byId<HTMLFormElement>('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('password');
  const error = byId('login-error');
  const button = byId<HTMLButtonElement>('login').querySelector('button')!;
  button.disabled = true;
  error.textContent = '';
  login(input.value).then(
    () => {
      input.value = '';
      startConsole();
    },
    (failure: unknown) => {
      error.textContent = failure instanceof ApiError && failure.status === 401
        ? 'Wrong password.'
        : failure instanceof ApiError && failure.status === 429
          ? 'Too many wrong passwords: wait a minute.'
          : failure instanceof Error ? failure.message : 'Login failed.';
    },
  ).finally(() => (button.disabled = false));
});

byId('logout').addEventListener('click', () => {
  void logout().finally(() => setView('login'));
});

hasSession().then(
  (yes) => (yes ? startConsole() : setView('login')),
  () => setView('login'),
);
