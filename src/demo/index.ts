// The demo behind the pages of web/: hub options, the running parts, and the built pages.
export { demoServerOptions, CHAT_NAMESPACE_OPTIONS, MARKET_NAMESPACE_OPTIONS, DOCS_NAMESPACE_OPTIONS } from './options.js';
export { startDemo, type Demo, type DemoOptions } from './start.js';
export { demoStaticDir } from './static-dir.js';
export { MarketFeed, DEFAULT_SYMBOLS, type MarketFeedOptions } from './market-feed.js';
export { createStatusEndpoint, type StatusEndpoint, type StatusEndpointOptions } from './status-endpoint.js';
export { registerChatNames, type ChatNames, type ChatNamesOptions } from './chat-names.js';
export * from './protocol.js';
