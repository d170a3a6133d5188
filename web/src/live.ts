// The live data page: the server's simulated market feed as a prices table and a chart
// of the selected symbol. Recent history fills both at once; live ticks then move them.

import { MARKET_CHANNEL, isMarketTick, type MarketTick } from '../../src/demo/protocol.js';
import { connectClient } from './connect.js';
import { byId, showConnection } from './dom.js';
import { formatInteger, formatPrice } from './format.js';
import { TimeChart, everyFrame } from './time-chart.js';
import { PriceTable } from './price-table.js';
import { TickSeries } from './tick-series.js';

const WINDOW_MS = 30_000;

const series = new TickSeries(WINDOW_MS + 5_000);
const chart = new TimeChart(byId('chart'), { windowMs: WINDOW_MS, format: formatPrice, minSpan: 0.2, series: [{ label: 'price', color: '#0f766e' }] });
const chartTitle = byId('chart-symbol');
const table = new PriceTable(byId<HTMLTableSectionElement>('prices'), (symbol) => {
  chartTitle.textContent = symbol;
  chart.setPoints(series.points(symbol));
});
const tickCount = byId('tick-count');
let ticks = 0;
let dirty = false;

function receive(tick: MarketTick): void {
  const point = series.add(tick);
  table.update(tick);
  if (tick.symbol === table.selectedSymbol) chart.push(point);
  ticks += 1;
  dirty = true;
}

/** Fresh entry (or a gap): the last seconds of ticks fill the table and the chart at once. */
function loadHistory(): void {
  subscription.history({ limit: 1_000, direction: 'backward' }).then(({ publications }) => {
    const older = publications.map((p) => p.data).filter(isMarketTick).reverse();
    series.prepend(older);
    for (const tick of older) table.update(tick);
    const symbol = table.selectedSymbol;
    if (symbol !== undefined) chart.setPoints(series.points(symbol));
    dirty = true;
  }, () => {});
}

const client = connectClient(showConnection);
const subscription = client.subscribe(MARKET_CHANNEL);
subscription.on('publication', ({ data }) => {
  if (isMarketTick(data)) receive(data);
});
subscription.on('subscribed', ({ wasRecovering, recovered }) => {
  if (!wasRecovering || !recovered) loadHistory();
});
window.addEventListener('pagehide', () => client.disconnect());

everyFrame((now) => {
  if (dirty) {
    table.render();
    tickCount.textContent = formatInteger(ticks);
    dirty = false;
  }
  chart.draw(now);
});
