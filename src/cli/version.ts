// The CLI prints the same version the server reports (src/server/version.ts).
export { packageVersion } from '../server/version.js';
