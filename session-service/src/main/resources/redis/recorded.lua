-- What the append with one idempotency key wrote.
-- KEYS[1] session hash, KEYS[2] message list, KEYS[3] idempotency hash (as append.lua writes it)
-- ARGV[1] owner, [2] idempotency key (as append.lua stores it)
-- Returns {'NOT_FOUND'} (no such session of this owner) / {'NO_KEY'} /
--     {'OK', first seq, request hash or '', message JSON…}.
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return {'NOT_FOUND'} end
local done = redis.call('HGET', KEYS[3], ARGV[2])
if not done then return {'NO_KEY'} end
local seq, count, hash = string.match(done, '^(%d+)|(%d+)|(.*)$')
if not seq then seq, count, hash = done, '1', '' end -- recorded before counts were kept
local first = tonumber(seq) - tonumber(count) + 1
local reply = {'OK', tostring(first), hash}
for _, message in ipairs(redis.call('LRANGE', KEYS[2], first - 1, tonumber(seq) - 1)) do
  reply[#reply + 1] = message
end
return reply
