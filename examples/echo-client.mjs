// Seed 1, chapter 5: send each line you type to the server until you type "exit".
// Run: node examples/echo-client.mjs [ws://127.0.0.1:8000/ws]
import { createInterface } from 'node:readline';
import { WebSocket } from 'volley/ws';

const ws = new WebSocket(process.argv[2] ?? 'ws://127.0.0.1:8000/ws');
let input = null;

ws.onopen = () => {
  console.log('Connection opened');
  // Read the keyboard only once the connection is open: send() throws before that.
  input = createInterface({ input: process.stdin, output: process.stdout, prompt: "Enter message to send (or 'exit' to quit): " });
  input.on('line', (message) => {
    if (message === 'exit') ws.close();
    else ws.send(message);
  });
  // End of input (Ctrl-D, or a pipe that ran out) also ends the session.
  input.on('close', () => ws.close());
  input.prompt();
};
ws.onmessage = (event) => {
  console.log(event.data);
  input?.prompt();
};
ws.onerror = (event) => console.error('Error occurred:', event.message);
ws.onclose = () => {
  console.log('Connection closed');
  input?.close();
  process.stdin.destroy();
};
