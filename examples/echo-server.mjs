// Seed 1, chapter 5: a server that answers every message with "Server: " + the message.
// Run: node examples/echo-server.mjs   (PORT=8000 by default; PORT=0 picks a free port)
import { WebSocketServer } from 'volley/ws';

const wss = new WebSocketServer({ port: Number(process.env.PORT ?? 8000), host: '127.0.0.1', path: '/ws' }, () => {
  console.log(`Echo server on ws://127.0.0.1:${wss.address().port}/ws`);
});

wss.on('connection', (ws) => {
  console.log('Connection opened');
  ws.on('message', (data) => {
    const message = data.toString();
    console.log('Received message:', message);
    ws.send('Server: ' + message);
  });
  ws.on('close', () => console.log('Connection closed'));
});

process.on('SIGINT', () => wss.close(() => process.exit(0)));
