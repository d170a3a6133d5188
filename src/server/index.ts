export { VolleyServer, createServer, type VolleyServerOptions, type ServerStats } from './server.js';
export { type ServerRoute } from './routes.js';
export type { Logger } from './logger.js';
export { OptionError } from './option-errors.js';
export { SERVER_DEFAULTS } from './defaults.js';
export { createHttpApi, type HttpApi, type HttpApiOptions } from './http-api.js';
export { createStaticHandler, type StaticHandler } from './static-files.js';
export { WebSocketSession } from './websocket-session.js';
