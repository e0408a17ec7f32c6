// A signaling peer id (doc 002's `peer_id`): what clients choose to name themselves within their
// company. Letters, digits, `_` and `-` only, so an id can never act as a path, a Redis key
// separator or a log-line trick (DESIGN.md "Doc 002": close 4003 otherwise).

export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const PEER_ID_RULE = '1 to 64 characters, each a letter, a digit, "_" or "-"';

export function isPeerId(value: unknown): value is string {
  return typeof value === 'string' && PEER_ID_PATTERN.test(value);
}
