export { VolleyServer, createServer, type VolleyServerOptions } from './server.js';
export { createHttpApi, type HttpApi, type HttpApiOptions } from './http-api.js';
export { createStaticHandler, type StaticHandler } from './static-files.js';
export { WebSocketSession } from './websocket-session.js';
