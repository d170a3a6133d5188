// Seed 1, chapter 6.1: every message goes to all the other connected clients.
// Run: node examples/broadcast-chat.mjs   then, in two more terminals:
//      volley connect ws://127.0.0.1:8765
import { WebSocketServer } from 'volley/ws';

const wss = new WebSocketServer({ port: Number(process.env.PORT ?? 8765), host: '127.0.0.1' }, () => {
  console.log(`Chat on ws://127.0.0.1:${wss.address().port}`);
});

wss.on('connection', (ws) => {
  console.log(`A client joined (${wss.clients.size} connected)`);
  ws.on('message', (data, isBinary) => {
    // Framed once, written to every other open client.
    wss.broadcast(data, { binary: isBinary, filter: (client) => client !== ws });
  });
  ws.on('close', () => console.log(`A client left (${wss.clients.size} connected)`));
});

process.on('SIGINT', () => wss.close(() => process.exit(0)));
