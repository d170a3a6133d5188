export { GameService, type TickObserver } from './game-service.js';
export { GAME_NAMESPACE_OPTIONS, resolveGameOptions, type GameOptions } from './options.js';
export { Match, type MatchRules } from './match.js';
export * from './protocol.js';
