// Simulated heaters on an MQTT broker, for the Devices demo page and the MQTT bridge
// (docs/mqtt.md). Each heater publishes a temperature reading every second, keeps its on/off
// state as a retained message, and obeys {"on": true|false} on its `set` topic.
// Run: node examples/mqtt-devices.mjs [mqtt://127.0.0.1:1883] [topic-prefix]
//      then: volley serve --mqtt mqtt://127.0.0.1:1883   and open http://127.0.0.1:8080/devices.html
// (volley serve with --mqtt and the demo starts these same devices itself; this script is
// for a broker elsewhere, or to watch the topics: mosquitto_sub -v -t 'volley-demo/devices/#').
import { startDeviceSimulator } from '../dist/demo/device-simulator.js';

const url = process.argv[2] ?? 'mqtt://127.0.0.1:1883';
const topicPrefix = process.argv[3] ?? 'volley-demo/devices';

const simulator = await startDeviceSimulator({
  url,
  topicPrefix,
  onCommand: (device, command) => console.log(`${device}: switched ${command.on ? 'on' : 'off'}`),
});
console.log(`Heaters publishing on ${url} under ${topicPrefix}/<device>/{reading,state}; commands on ${topicPrefix}/<device>/set`);

process.on('SIGINT', () => {
  void simulator.stop().then(() => process.exit(0));
});
