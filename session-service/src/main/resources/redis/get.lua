-- Reads a session's fields.
-- KEYS[1] session hash, KEYS[2] message list; ARGV[1] owner
-- Returns {'OK', model, system prompt, metadata, created, updated, last seq, ttl ms} or {'NOT_FOUND'}.
local f = redis.call('HMGET', KEYS[1], 'owner', 'model', 'system_prompt', 'metadata',
  'created_at', 'updated_at')
if f[1] ~= ARGV[1] then return {'NOT_FOUND'} end
return {'OK', f[2], f[3], f[4], f[5], f[6], tostring(redis.call('LLEN', KEYS[2])),
  tostring(redis.call('PTTL', KEYS[1]))}
