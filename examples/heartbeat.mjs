// Seed 1, chapter 6.3: keeping a connection alive, both ways the seed shows.
//  - Protocol level: the server's heartbeatInterval pings every client and drops one whose
//    pong never came (the client library answers pings by itself).
//  - Application level: the client sends "ping" messages and the server answers "pong".
// Run: node examples/heartbeat.mjs   (a server and a client in one process; ends by itself)
import { WebSocketServer, WebSocket } from 'volley/ws';

const HEARTBEAT_MS = 1000; // the seed uses 30 s; short here so that the demo is quick
const ROUNDS = 3;

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeatInterval: HEARTBEAT_MS });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    if (data.toString() === 'ping') ws.send('pong');
  });
});
await new Promise((resolve) => wss.once('listening', resolve));

const client = new WebSocket(`ws://127.0.0.1:${wss.address().port}`);
client.on('ping', () => console.log('client: protocol ping from the server (pong sent automatically)'));

let pongs = 0;
let timer;
client.onopen = () => {
  console.log('client: connected');
  timer = setInterval(() => {
    if (client.readyState === WebSocket.OPEN) client.send('ping');
  }, HEARTBEAT_MS);
};
client.onmessage = (event) => {
  if (event.data !== 'pong') return;
  pongs++;
  console.log(`client: application pong ${pongs}/${ROUNDS}`);
  if (pongs === ROUNDS) {
    clearInterval(timer);
    client.close(1000, 'done');
  }
};
client.onclose = (event) => {
  console.log(`client: closed (${event.code})`);
  wss.close();
};
