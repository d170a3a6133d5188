// The layering of src/ (docs/architecture.md), checked by `npm run lint:layers` as part of
// `npm test`: a wrong import or an import cycle fails the build. Each rule names the layer
// it protects; the layers, bottom up: protocol, ws | wire, broker, hub, transports, bridges,
// server, yjs, demo, cli. client/ sits beside them and runs in browsers.

/** Node built-ins that do I/O or exist only in Node; layers that must stay pure forbid them. */
const NODE_IO = '^(node:)?(net|tls|http|https|http2|dgram|fs|fs/promises|child_process|worker_threads|cluster|os|readline|tty)$';

export default {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycles anywhere in src/: a cycle hides which module owns what.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'protocol-is-pure',
      comment: 'protocol/ is RFC 6455/7692 logic without I/O: it imports nothing of the project and no packages.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { pathNot: ['^src/protocol/', '^(node:)?(crypto|zlib|buffer|http)$'] },
    },
    {
      name: 'ws-only-protocol',
      comment: 'ws/ is a complete WebSocket library on its own: protocol/ and Node built-ins only.',
      severity: 'error',
      from: { path: '^src/ws/' },
      to: { pathNot: ['^src/(ws|protocol)/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'wire-is-a-leaf',
      comment: 'wire/ (the volley.v1 protocol) imports nothing: hub, broker, transports and client all import it.',
      severity: 'error',
      from: { path: '^src/wire/' },
      to: { pathNot: '^src/wire/' },
    },
    {
      name: 'broker-below-hub',
      comment: 'broker/ moves publications between nodes; it knows the wire format, not the hub or any transport.',
      severity: 'error',
      from: { path: '^src/broker/' },
      to: { path: '^src/(hub|ws|protocol|transports|bridges|server|client|demo|cli)/' },
    },
    {
      name: 'hub-never-touches-sockets',
      comment: 'hub/ talks to an abstract Session and a Broker; never to ws/, a transport or node:net.',
      severity: 'error',
      from: { path: '^src/hub/' },
      to: { path: ['^src/(ws|protocol|transports|bridges|server|client|demo|cli)/', NODE_IO] },
    },
    {
      name: 'client-runs-in-browsers',
      comment: 'client/ is the browser SDK: the wire protocol only, nothing Node-only (client/node.ts is the Node entry).',
      severity: 'error',
      from: { path: '^src/client/', pathNot: '^src/client/node\\.ts$' },
      to: { pathNot: ['^src/(client|wire)/'] },
    },
    {
      name: 'client-node-entry',
      comment: 'The Node entry of the SDK adds Volley\'s own WebSocket and nothing else.',
      severity: 'error',
      from: { path: '^src/client/node\\.ts$' },
      to: { pathNot: ['^src/(client|wire|ws|protocol)/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'transports-below-server',
      comment: 'transports/ are hub Sessions over HTTP (node:http, wire, hub, broker); the server wires them, not the other way round.',
      severity: 'error',
      from: { path: '^src/transports/' },
      to: { path: '^src/(ws|protocol|bridges|server|client|demo|cli)/' },
    },
    {
      name: 'bridges-below-server',
      comment: 'bridges/ connect the hub to other systems through the hub\'s public API.',
      severity: 'error',
      from: { path: '^src/bridges/' },
      to: { path: '^src/(ws|protocol|transports|server|client|demo|cli)/' },
    },
    {
      name: 'yjs-provider-runs-in-browsers',
      comment: 'volley/yjs (the provider) is client-side: the SDK, the wire protocol, yjs and y-protocols; nothing Node-only.',
      severity: 'error',
      from: { path: '^src/yjs/', pathNot: '^src/yjs/server/' },
      to: { pathNot: ['^src/(yjs|client|wire)/', 'node_modules/(yjs|y-protocols|lib0)/'] },
    },
    {
      name: 'yjs-server-on-the-hub',
      comment: 'volley/yjs/server keeps documents through the hub\'s public API and a broker; it knows no transport or front door.',
      severity: 'error',
      from: { path: '^src/yjs/server/' },
      to: { path: '^src/(ws|protocol|transports|bridges|server|client|demo|cli)/' },
    },
    {
      name: 'nothing-below-uses-yjs',
      comment: 'yjs/ is an optional layer above the hub and the SDK: only the demo and the CLI build on it.',
      severity: 'error',
      from: { path: '^src/(protocol|ws|wire|broker|hub|transports|bridges|server|client)/' },
      to: { path: '^src/yjs/' },
    },
    {
      name: 'server-below-front-door',
      comment: 'server/ is the library users embed; the demo and the CLI build on it.',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/(client|demo|cli)/' },
    },
    {
      name: 'demo-below-cli',
      severity: 'error',
      from: { path: '^src/demo/' },
      to: { path: '^src/(cli|client)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
