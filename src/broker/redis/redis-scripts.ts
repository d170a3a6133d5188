// Lua scripts of the Redis broker. Each runs atomically in Redis, which is what makes
// offset assignment, append and fan-out one step: two nodes publishing into one channel
// can never get the same offset, and subscribers see publications in offset order.
//
// Keys of a channel's stream: a Redis stream of publications (entry id = `<offset>-0`,
// fields d = data, i = info JSON, x = excluded client, b = '1' for binary data) and a meta hash (e = epoch,
// o = top offset, m = meta expiry, p = publications expiry, both in the broker's clock).
// Expiry is judged against the `now` the node passes, so the broker's clock is the one
// that counts (tests inject one); PEXPIRE on the keys is what frees the memory.

import { createHash } from 'node:crypto';

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS: stream, meta. ARGV: pub/sub channel, data, info JSON or '', excluded client or '',
 * size, ttlMs, metaTtlMs, now, a fresh epoch, header tail, binary ('1' or ''). Returns { offset, epoch }.
 */
export const PUBLISH_WITH_HISTORY = script(`
local now = tonumber(ARGV[8])
local meta = redis.call('HMGET', KEYS[2], 'e', 'o', 'm', 'p')
local epoch, offset, metaExp, pubExp = meta[1], tonumber(meta[2]), tonumber(meta[3]), tonumber(meta[4])
if not epoch or not offset or not metaExp or metaExp <= now then
  epoch = ARGV[9]
  offset = 0
  metaExp = 0
  redis.call('DEL', KEYS[1], KEYS[2])
elseif pubExp and pubExp <= now then
  redis.call('DEL', KEYS[1])
end
offset = offset + 1
local ttl = tonumber(ARGV[6])
pubExp = now + ttl
metaExp = math.max(metaExp, now + tonumber(ARGV[7]))
if ARGV[11] == '1' then
  redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[5], offset .. '-0', 'd', ARGV[2], 'i', ARGV[3], 'x', ARGV[4], 'b', '1')
else
  redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[5], offset .. '-0', 'd', ARGV[2], 'i', ARGV[3], 'x', ARGV[4])
end
redis.call('HSET', KEYS[2], 'e', epoch, 'o', offset, 'm', metaExp, 'p', pubExp)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], metaExp - now)
redis.call('PUBLISH', ARGV[1], '{"t":"p","o":' .. offset .. ',"e":"' .. epoch .. '"' .. ARGV[10] .. '\\n' .. ARGV[2])
return {offset, epoch}
`);

/**
 * KEYS: stream, meta. ARGV: now, extend ('1' extends the meta lifetime of a live stream;
 * a missing one is never created), metaTtlMs, mode ('none' | 'forward' | 'backward'),
 * first id, last id, count ('' for all). Returns { epoch, offset, entries }.
 */
export const READ_HISTORY = script(`
local now = tonumber(ARGV[1])
local meta = redis.call('HMGET', KEYS[2], 'e', 'o', 'm', 'p')
local epoch, offset, metaExp, pubExp = meta[1], tonumber(meta[2]), tonumber(meta[3]), tonumber(meta[4])
if not epoch or not offset or not metaExp or metaExp <= now then return {'', 0, {}} end
if ARGV[2] == '1' then
  local extended = math.max(metaExp, now + tonumber(ARGV[3]))
  redis.call('HSET', KEYS[2], 'm', extended)
  redis.call('PEXPIRE', KEYS[2], extended - now)
end
local entries = {}
if ARGV[4] ~= 'none' and pubExp and pubExp > now then
  local command = ARGV[4] == 'forward' and 'XRANGE' or 'XREVRANGE'
  local from, to = ARGV[5], ARGV[6]
  if command == 'XREVRANGE' then from, to = ARGV[6], ARGV[5] end
  if ARGV[7] == '' then
    entries = redis.call(command, KEYS[1], from, to)
  else
    entries = redis.call(command, KEYS[1], from, to, 'COUNT', ARGV[7])
  end
end
return {epoch, offset, entries}
`);

/** KEYS: expiry zset, info hash. ARGV: client id, info JSON, expires at, ttlMs. */
export const ADD_PRESENCE = script(`
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local ttl = tonumber(ARGV[4])
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return 1
`);

/** KEYS: expiry zset, info hash. ARGV: now. Drops expired entries, returns HGETALL of the rest. */
export const READ_PRESENCE = script(`
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
  for i = 1, #expired, 500 do
    redis.call('HDEL', KEYS[2], unpack(expired, i, math.min(i + 499, #expired)))
  end
end
return redis.call('HGETALL', KEYS[2])
`);
