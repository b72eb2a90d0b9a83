-- Creates a session unless the owner is at their limit.
-- KEYS[1] session hash, KEYS[2] owner index (zset: session id -> last write, ms)
-- ARGV[1] id, [2] owner, [3] model, [4] system prompt, [5] metadata JSON, [6] now ms, [7] ttl ms,
--     [8] max sessions per owner, [9] session hash key prefix (to find sessions named in the index),
--     [10] tokens of the system prompt (the start of 'kept_tokens', see messages.lua)
-- Returns {'OK'} or {'QUOTA', live sessions} or {'COLLISION'}.
local hash, index = KEYS[1], KEYS[2]
local now, ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
if redis.call('EXISTS', hash) == 1 then
  -- The same id again: a command re-sent by the client after a reconnect, so already done.
  if redis.call('HGET', hash, 'owner') == ARGV[2] then return {'OK'} end
  return {'COLLISION'}
end
-- Forget index entries whose session has expired (a live one was written within the TTL).
for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now - ttl)) do
  if redis.call('EXISTS', ARGV[9] .. id) == 0 then redis.call('ZREM', index, id) end
end
local live = redis.call('ZCARD', index)
if live >= tonumber(ARGV[8]) then return {'QUOTA', tostring(live)} end
redis.call('HSET', hash, 'owner', ARGV[2], 'model', ARGV[3], 'system_prompt', ARGV[4],
  'metadata', ARGV[5], 'created_at', ARGV[6], 'updated_at', ARGV[6], 'kept_tokens', ARGV[10])
redis.call('PEXPIRE', hash, ttl)
redis.call('ZADD', index, now, ARGV[1])
redis.call('PEXPIRE', index, ttl)
return {'OK'}
