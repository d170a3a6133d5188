// The live prices table: one row per symbol, last price, change since the oldest price
// known, and the session's high and low. Rows are created as symbols first appear.

import type { MarketTick } from '../../src/demo/protocol.js';
import { element } from './dom.js';
import { formatPrice, formatSignedPercent } from './format.js';

interface Row {
  node: HTMLTableRowElement;
  price: HTMLElement;
  change: HTMLElement;
  high: HTMLElement;
  low: HTMLElement;
  open: number;
  openTime: number;
  last: number;
  lastTime: number;
  highValue: number;
  lowValue: number;
}

export class PriceTable {
  private readonly rows = new Map<string, Row>();
  private selected: string | undefined;

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly onSelect: (symbol: string) => void,
  ) {}

  /** Records a tick (live or, later, older ones from history); call render() to show it. */
  update(tick: MarketTick): void {
    const row = this.rows.get(tick.symbol) ?? this.addRow(tick);
    if (tick.time >= row.lastTime) {
      row.last = tick.price;
      row.lastTime = tick.time;
    }
    if (tick.time < row.openTime) {
      row.open = tick.price;
      row.openTime = tick.time;
    }
    row.highValue = Math.max(row.highValue, tick.price);
    row.lowValue = Math.min(row.lowValue, tick.price);
  }

  /** Writes every row's figures; the price's colour says whether it moved up or down. */
  render(): void {
    for (const row of this.rows.values()) {
      const previous = Number(row.price.dataset.value ?? row.last);
      const text = formatPrice(row.last);
      if (row.price.textContent !== text) {
        row.price.textContent = text;
        row.price.dataset.value = String(row.last);
        row.price.className = `num price ${row.last > previous ? 'up' : row.last < previous ? 'down' : ''}`;
      }
      const change = (row.last - row.open) / row.open;
      row.change.textContent = formatSignedPercent(change);
      row.change.className = `num ${change > 0 ? 'up' : change < 0 ? 'down' : ''}`;
      row.high.textContent = formatPrice(row.highValue);
      row.low.textContent = formatPrice(row.lowValue);
    }
  }

  select(symbol: string): void {
    this.selected = symbol;
    for (const [name, row] of this.rows) row.node.classList.toggle('selected', name === symbol);
    this.onSelect(symbol);
  }

  get selectedSymbol(): string | undefined {
    return this.selected;
  }

  private addRow(tick: MarketTick): Row {
    const node = element('tr');
    node.dataset.symbol = tick.symbol;
    node.tabIndex = 0;
    const cells = {
      price: element('td', 'num price'),
      change: element('td', 'num'),
      high: element('td', 'num'),
      low: element('td', 'num'),
    };
    node.append(element('th', 'symbol', tick.symbol), cells.price, cells.change, cells.high, cells.low);
    node.addEventListener('click', () => this.select(tick.symbol));
    node.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') this.select(tick.symbol);
    });
    this.body.append(node);
    const row: Row = { node, ...cells, open: tick.price, openTime: tick.time, last: tick.price, lastTime: tick.time, highValue: tick.price, lowValue: tick.price };
    this.rows.set(tick.symbol, row);
    if (this.selected === undefined) this.select(tick.symbol);
    return row;
  }
}
