// The Devices page: each simulated heater's temperature charted live, its on/off state, and
// a switch. Readings and states come from MQTT through the bridge (devices:<id>.reading,
// devices:<id>.state); a click publishes {on} to devices:<id>.set, which the bridge sends to
// the device's MQTT topic. The switch shows the state the device reports, not the click.

import {
  DEMO_DEVICES, commandChannel, isBridgedMessage, isDeviceReading, isDeviceState, readingChannel, stateChannel,
  type DeviceState,
} from '../../src/demo/devices-protocol.js';
import { WireErrorCode, type Client } from '../../src/client/index.js';
import { connectClient } from './connect.js';
import { byId, element, showConnection } from './dom.js';
import { TimeChart, everyFrame, type Point } from './time-chart.js';

const WINDOW_MS = 60_000;
const temperature = (value: number) => `${value.toFixed(1)} °C`;

class DeviceCard {
  readonly root: HTMLElement;
  private readonly chart: TimeChart;
  private readonly value: HTMLElement;
  private readonly stateLabel: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly error: HTMLElement;
  private state: DeviceState | undefined;
  private pending = false;
  /** Device clock to page clock: the smallest delay seen, so the newest point sits at "now". */
  private offset: number | undefined;

  constructor(readonly device: string, private readonly client: Client) {
    this.root = element('article', 'device');
    this.root.dataset.device = device;
    const head = element('div', 'device-head');
    head.append(element('h2', undefined, device));
    this.stateLabel = element('span', 'device-state', '…');
    head.append(this.stateLabel);
    this.value = element('div', 'device-value', '—');
    const chart = element('div', 'chart device-chart');
    chart.setAttribute('aria-label', `Temperature of ${device}`);
    this.toggle = element('button', 'toggle', 'Switch');
    this.toggle.disabled = true;
    this.toggle.addEventListener('click', () => this.send());
    this.error = element('p', 'error');
    this.root.append(head, this.value, chart, this.toggle, this.error);
    this.chart = new TimeChart(chart, { windowMs: WINDOW_MS, format: temperature, minSpan: 2, series: [{ label: 'temperature', color: '#ea580c' }] });
    this.subscribe();
  }

  draw(now: number): void {
    this.chart.draw(now);
  }

  private subscribe(): void {
    const readings = this.client.subscribe(readingChannel(this.device));
    readings.on('publication', ({ data }) => this.reading(data, true));
    readings.on('subscribed', ({ wasRecovering, recovered }) => {
      if (wasRecovering && recovered) return;
      readings.history({ limit: 60, direction: 'backward' }).then(({ publications }) => {
        const points = publications.map((p) => this.point(p.data)).filter((p): p is Point => p !== undefined).reverse();
        this.chart.setPoints(points);
        const last = publications[0];
        if (last !== undefined) this.reading(last.data, false);
      }, () => {});
    });
    readings.on('error', ({ error }) => {
      // No `devices` namespace: this server runs without an MQTT bridge.
      if ('code' in error && error.code === WireErrorCode.unknownChannel) showNotConfigured();
      else this.showError(error.message);
    });

    const states = this.client.subscribe(stateChannel(this.device));
    states.on('publication', ({ data }) => this.applyState(data));
    // The retained state is the channel's latest value: read it once subscribed.
    states.on('subscribed', () => {
      states.history({ limit: 1, direction: 'backward' }).then(({ publications }) => {
        if (publications[0] !== undefined && this.state === undefined) this.applyState(publications[0].data);
      }, () => {});
    });
    // Publishing commands needs a subscription (the namespace's policy is 'subscribers').
    this.client.subscribe(commandChannel(this.device));
  }

  private point(data: unknown): Point | undefined {
    if (!isBridgedMessage(data) || !isDeviceReading(data.payload)) return undefined;
    const reading = data.payload;
    const delay = Date.now() - reading.time;
    this.offset = this.offset === undefined ? delay : Math.min(this.offset, delay);
    return { t: reading.time + this.offset, v: reading.temperature };
  }

  private reading(data: unknown, live: boolean): void {
    const point = this.point(data);
    if (point === undefined) return;
    if (live) this.chart.push(point);
    this.value.textContent = temperature(point.v);
    this.root.dataset.readings = String(Number(this.root.dataset.readings ?? '0') + 1);
  }

  private applyState(data: unknown): void {
    if (!isBridgedMessage(data) || !isDeviceState(data.payload)) return;
    this.state = data.payload;
    this.pending = false;
    this.root.dataset.on = String(this.state.on);
    this.stateLabel.textContent = this.state.on ? 'on' : 'off';
    this.stateLabel.dataset.on = String(this.state.on);
    this.toggle.textContent = this.state.on ? 'Turn off' : 'Turn on';
    this.toggle.disabled = false;
  }

  private send(): void {
    if (this.state === undefined || this.pending) return;
    this.pending = true;
    this.toggle.disabled = true;
    this.toggle.textContent = 'Sending…';
    this.showError('');
    this.client.publish(commandChannel(this.device), { on: !this.state.on }).catch((error: Error) => {
      this.pending = false;
      this.showError(`Not sent: ${error.message}`);
      if (this.state !== undefined) this.applyState({ topic: '', payload: this.state });
    });
  }

  private showError(text: string): void {
    this.error.textContent = text;
  }
}

function showNotConfigured(): void {
  const note = byId('devices-note');
  note.textContent = 'This server runs without MQTT. Start it with: volley serve --mqtt mqtt://127.0.0.1:1883';
  note.className = 'error';
  document.body.dataset.mqtt = 'off';
}

const client = connectClient(showConnection);
const grid = byId('devices');
const cards = DEMO_DEVICES.map((device) => new DeviceCard(device, client));
for (const card of cards) grid.append(card.root);
window.addEventListener('pagehide', () => client.disconnect());
everyFrame((now) => {
  for (const card of cards) card.draw(now);
});
