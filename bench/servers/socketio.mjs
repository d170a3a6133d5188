// Bench server on Socket.IO 4 (bench/peers). A "join" event (with an acknowledgement) puts a
// socket in a room; a "pub" event emits its data to everyone in the room as event "m".
//   SIO_ENGINE=uws     bound to uWebSockets.js with io.attachApp (as Socket.IO documents)
//   SIO_RECOVERY=1     connectionStateRecovery on (missed events replayed to a client that
//                      comes back within 2 minutes with its session id and last offset)
//   SIO_REDIS=redis://  with @socket.io/redis-adapter on that Redis (a cluster node), its
//                      channels under SIO_REDIS_KEY (default socket.io)
// default: Socket.IO's own engine on node:http (ws underneath, bufferutil when installed).
// Usage: node socketio.mjs [port]  (0 or none: any free port; the ready line names it)
import './exit-with-parent.mjs';
import http from 'node:http';
import { peer } from './peers.mjs';

const { Server } = peer('socket.io');
const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const engine = process.env.SIO_ENGINE ?? 'node';
const label = `${engine === 'uws' ? 'socketio-uws' : 'socketio'}${process.env.SIO_REDIS ? '-redis' : ''}${process.env.SIO_RECOVERY === '1' ? '-recover' : ''}`;

const recovery = process.env.SIO_RECOVERY === '1';
const io = new Server({ serveClient: false, transports: ['websocket', 'polling'], ...(recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 120_000 } } : {}) });

if (process.env.SIO_REDIS) {
  const { Redis } = peer('ioredis');
  const { createAdapter } = peer('@socket.io/redis-adapter');
  const pub = new Redis(process.env.SIO_REDIS);
  io.adapter(createAdapter(pub, pub.duplicate(), { key: process.env.SIO_REDIS_KEY ?? 'socket.io' }));
}

io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    socket.join(String(room));
    if (typeof ack === 'function') ack();
  });
  socket.on('pub', (data) => io.to('bench').emit('m', data));
});

if (engine === 'uws') {
  const uWS = peer('uwebsockets');
  const app = uWS.App();
  io.attachApp(app);
  app.listen('127.0.0.1', port, (token) => {
    if (!token) {
      console.error(`${label}: cannot listen on ${port}`);
      process.exit(1);
    }
    console.log(`ready ${label} ${uWS.us_socket_local_port(token)} pid ${process.pid}`);
  });
} else {
  const httpServer = http.createServer();
  io.attach(httpServer);
  httpServer.listen(port, '127.0.0.1', () => console.log(`ready ${label} ${httpServer.address().port} pid ${process.pid}`));
}
