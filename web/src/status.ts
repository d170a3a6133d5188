// The status page: polls the demo's status endpoint once a second and draws connections,
// channels and messages per second. Each answer carries the server's last minute of
// samples, so the charts are full from the first poll.

import { STATUS_PATH, type DemoStatus } from '../../src/demo/protocol.js';
import { byId } from './dom.js';
import { formatDuration, formatInteger, formatRate } from './format.js';
import { TimeChart, everyFrame } from './time-chart.js';

const POLL_MS = 1_000;
const WINDOW_MS = 60_000;

const rateChart = new TimeChart(byId('rate-chart'), {
  windowMs: WINDOW_MS, format: formatRate, fromZero: true, minSpan: 5, series: [{ label: 'messages/s', color: '#7c3aed' }],
});
const connectionChart = new TimeChart(byId('connection-chart'), {
  windowMs: WINDOW_MS, format: formatInteger, fromZero: true, integer: true, minSpan: 4, series: [{ label: 'connections', color: '#2563eb' }],
});

function show(status: DemoStatus): void {
  byId('connections').textContent = formatInteger(status.connections);
  byId('channels').textContent = formatInteger(status.channels);
  byId('rate').textContent = formatRate(status.messagesPerSecond);
  byId('publications').textContent = formatInteger(status.publications);
  byId('uptime').textContent = formatDuration(status.uptimeSeconds);
  // Sample times are on the server's clock: place them by their age instead.
  const now = Date.now();
  const samples = [...status.recent, status].map((s) => ({ t: now - (status.at - s.at), sample: s }));
  rateChart.setPoints(samples.map(({ t, sample }) => ({ t, v: sample.messagesPerSecond })));
  connectionChart.setPoints(samples.map(({ t, sample }) => ({ t, v: sample.connections })));
}

async function poll(): Promise<void> {
  const pill = byId('connection');
  try {
    const response = await fetch(STATUS_PATH, { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    show((await response.json()) as DemoStatus);
    pill.textContent = 'live';
    pill.dataset.state = 'connected';
  } catch {
    pill.textContent = 'unreachable';
    pill.dataset.state = 'disconnected';
  } finally {
    setTimeout(() => void poll(), POLL_MS);
  }
}

void poll();
everyFrame((now) => {
  rateChart.draw(now);
  connectionChart.draw(now);
});
