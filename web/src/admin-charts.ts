// The console's three live charts (connections, messages/s in and out, errors/s) of the
// whole cluster. Each `info` answer carries the node's recent samples of the cluster totals,
// so the charts are full from the first poll; the time axis is placed by each sample's age.

import type { InfoAnswer } from './admin-api.js';
import { byId } from './dom.js';
import { formatInteger, formatRate } from './format.js';
import { TimeChart, everyFrame } from './time-chart.js';

const WINDOW_MS = 300_000;
const MIN_WINDOW_MS = 60_000;

export class AdminCharts {
  private readonly connections = new TimeChart(byId('chart-connections'), {
    windowMs: WINDOW_MS, minWindowMs: MIN_WINDOW_MS, format: formatInteger, fromZero: true, integer: true, minSpan: 4, series: [{ label: 'connections', color: '#2563eb' }],
  });
  private readonly messages = new TimeChart(byId('chart-messages'), {
    windowMs: WINDOW_MS, minWindowMs: MIN_WINDOW_MS, format: formatRate, fromZero: true, minSpan: 5,
    series: [{ label: 'in', color: '#0f766e' }, { label: 'out', color: '#7c3aed' }],
  });
  private readonly errors = new TimeChart(byId('chart-errors'), {
    windowMs: WINDOW_MS, minWindowMs: MIN_WINDOW_MS, format: formatRate, fromZero: true, minSpan: 1, series: [{ label: 'errors/s', color: '#dc2626' }],
  });

  constructor() {
    everyFrame((now) => {
      this.connections.draw(now);
      this.messages.draw(now);
      this.errors.draw(now);
    });
  }

  show(info: InfoAnswer, answeredAt: number): void {
    const newest = info.recent[info.recent.length - 1];
    // Sample times are on the server's clock: place them by their age instead.
    const times = info.recent.map((s) => answeredAt - ((newest?.at ?? s.at) - s.at));
    this.connections.setPoints(info.recent.map((s, i) => ({ t: times[i]!, v: s.connections })));
    this.messages.setSamples(times, [info.recent.map((s) => s.messagesInPerSecond), info.recent.map((s) => s.messagesOutPerSecond)]);
    this.errors.setPoints(info.recent.map((s, i) => ({ t: times[i]!, v: s.errorsPerSecond })));
  }
}
