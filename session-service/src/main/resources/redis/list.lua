-- Lists an owner's live sessions, most recently written first.
-- KEYS[1] owner index; ARGV[1] owner, [2] now ms, [3] ttl ms, [4] session hash key prefix,
--     [5] offset, [6] limit
-- Returns {'OK', total, {id, model, system prompt, metadata, created, updated, last seq, ttl ms}...}.
local index, prefix = KEYS[1], ARGV[4]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', tonumber(ARGV[2]) - tonumber(ARGV[3]))) do
  if redis.call('EXISTS', prefix .. id) == 0 then redis.call('ZREM', index, id) end
end
local out = {'OK', tostring(redis.call('ZCARD', index))}
local first = tonumber(ARGV[5])
for _, id in ipairs(redis.call('ZREVRANGE', index, first, first + tonumber(ARGV[6]) - 1)) do
  local key = prefix .. id
  local f = redis.call('HMGET', key, 'owner', 'model', 'system_prompt', 'metadata', 'created_at',
    'updated_at')
  if f[1] == ARGV[1] then
    out[#out + 1] = {id, f[2], f[3], f[4], f[5], f[6], tostring(redis.call('LLEN', key .. ':msgs')),
      tostring(redis.call('PTTL', key))}
  end
end
return out
