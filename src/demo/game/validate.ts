// Checks of the rpc parameters: anything a stranger sends is refused with badRequest, and
// naming a player is permission_denied: a caller plays only the player of its own identity.

import { HubError } from '../../hub/errors.js';
import {
  MATCH_PATTERN, MAX_CHAT_TEXT, MAX_PLAYER_NAME, TICKET_PATTERN, cleanLine,
  type InputParams, type JoinParams, type SayParams,
} from './protocol.js';

function record(data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new HubError('badRequest', 'parameters must be an object');
  if ('player' in data) throw new HubError('permissionDenied', 'a caller plays its own player (its user, or its connection); it cannot name one');
  return data as Record<string, unknown>;
}

export function matchName(value: unknown): string {
  if (typeof value !== 'string' || !MATCH_PATTERN.test(value)) throw new HubError('badRequest', 'invalid match name');
  return value;
}

export function joinParams(data: unknown): JoinParams {
  const params = record(data);
  const name = typeof params.name === 'string' ? cleanLine(params.name, MAX_PLAYER_NAME) : '';
  if (name === '') throw new HubError('badRequest', 'name must be a non-empty string');
  const joined: JoinParams = { match: matchName(params.match), name };
  if (params.ticket !== undefined) {
    if (typeof params.ticket !== 'string' || !TICKET_PATTERN.test(params.ticket)) throw new HubError('badRequest', 'invalid ticket');
    joined.ticket = params.ticket;
  }
  return joined;
}

function direction(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < -1 || value > 1) {
    throw new HubError('badRequest', `${key} must be a number between -1 and 1`);
  }
  return value;
}

export function inputParams(data: unknown): InputParams {
  const params = record(data);
  return { match: matchName(params.match), dx: direction(params.dx, 'dx'), dy: direction(params.dy, 'dy') };
}

export function sayParams(data: unknown): SayParams {
  const params = record(data);
  const text = typeof params.text === 'string' ? cleanLine(params.text, MAX_CHAT_TEXT) : '';
  if (text === '') throw new HubError('badRequest', 'text must be a non-empty string');
  return { match: matchName(params.match), text };
}
