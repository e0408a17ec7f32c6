import type { Redis } from 'ioredis';

// The Lua scripts of the Redis bus: each read-check-write runs atomically in Redis, so processes
// racing for the last connection slot cannot both win. Time is Redis's own clock (TIME), so the
// processes' clocks need not agree.
//
// Presence: a sorted set (member → expiry) beside a hash (member → {"owner","data"}).
// Connection leases: a sorted set (lease id → expiry). Expired entries are pruned on each write,
// and a key as a whole expires once no process refreshes it.

const HELPERS = `
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local function keep_for(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end

-- In batches, so that unpack() stays within Lua's stack limit.
local function prune(expiries, data, now)
  while true do
    local expired = redis.call('ZRANGEBYSCORE', expiries, '-inf', string.format('%d', now), 'LIMIT', 0, 500)
    if #expired == 0 then return end
    redis.call('ZREM', expiries, unpack(expired))
    if data then redis.call('HDEL', data, unpack(expired)) end
  end
end
`;

const SCRIPTS = {
  // KEYS: expiries, data. ARGV: member, entry, ttl ms.
  caiPresenceSet: {
    numberOfKeys: 2,
    lua: `${HELPERS}
local now = now_ms()
local ttl = tonumber(ARGV[3])
prune(KEYS[1], KEYS[2], now)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
keep_for(KEYS[1], ttl)
keep_for(KEYS[2], ttl)
return 1`,
  },
  // KEYS: expiries, data. ARGV: member, owner. Only the owner's entry is withdrawn.
  caiPresenceRemove: {
    numberOfKeys: 2,
    lua: `
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if not entry or cjson.decode(entry).owner ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`,
  },
  // KEYS: expiries, data. ARGV: member. The entry, or nil when absent or lapsed.
  caiPresenceGet: {
    numberOfKeys: 2,
    lua: `${HELPERS}
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expiry or tonumber(expiry) <= now_ms() then return false end
return redis.call('HGET', KEYS[2], ARGV[1])`,
  },
  // KEYS: expiries, data. Answers member, entry, member, entry… for the live members.
  caiPresenceList: {
    numberOfKeys: 2,
    lua: `${HELPERS}
local now = now_ms()
prune(KEYS[1], KEYS[2], now)
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%d', now), '+inf')
local result = {}
for first = 1, #members, 500 do
  local batch = {}
  for index = first, math.min(first + 499, #members) do batch[#batch + 1] = members[index] end
  local entries = redis.call('HMGET', KEYS[2], unpack(batch))
  for index, member in ipairs(batch) do
    if entries[index] then
      result[#result + 1] = member
      result[#result + 1] = entries[index]
    end
  end
end
return result`,
  },
  // KEYS: leases. ARGV: lease id, max (0 = no cap), ttl ms. Answers 1 when granted, else 0.
  caiLeaseAcquire: {
    numberOfKeys: 1,
    lua: `${HELPERS}
local now = now_ms()
local max = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
prune(KEYS[1], nil, now)
if max > 0 and redis.call('ZCARD', KEYS[1]) >= max then return 0 end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
keep_for(KEYS[1], ttl)
return 1`,
  },
  // KEYS: leases. ARGV: lease id, ttl ms. Re-adds a lease Redis lost (a restart): it is held.
  caiLeaseRefresh: {
    numberOfKeys: 1,
    lua: `${HELPERS}
local now = now_ms()
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
keep_for(KEYS[1], ttl)
return 1`,
  },
  // KEYS: leases. The number of live leases.
  caiLeaseCount: {
    numberOfKeys: 1,
    lua: `${HELPERS}
return redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', now_ms()), '+inf')`,
  },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

export function defineScripts(client: Redis): void {
  for (const [name, definition] of Object.entries(SCRIPTS)) client.defineCommand(name, definition);
}

/** Runs a script defined by defineScripts (ioredis sends EVALSHA, falling back to EVAL once). */
export function runScript(
  client: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  const command = (
    client as unknown as Record<ScriptName, (...values: Array<string | number>) => Promise<unknown>>
  )[name];
  return command.call(client, ...keys, ...args);
}
