-- Reads a session's system prompt and all its messages in one consistent view.
-- KEYS[1] session hash, KEYS[2] message list; ARGV[1] owner
-- Returns {'OK', system prompt, {message JSON...}} or {'NOT_FOUND'}.
local f = redis.call('HMGET', KEYS[1], 'owner', 'system_prompt')
if f[1] ~= ARGV[1] then return {'NOT_FOUND'} end
return {'OK', f[2], redis.call('LRANGE', KEYS[2], 0, -1)}
