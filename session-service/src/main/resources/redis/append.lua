-- Appends messages to a session atomically; seq of a message = its index in the list + 1.
-- KEYS[1] session hash, KEYS[2] message list, KEYS[3] idempotency hash (key -> last seq written),
--     KEYS[4] owner index
-- ARGV[1] owner, [2] session id, [3] expected last seq or '', [4] idempotency key, [5] now ms,
--     [6] ttl ms, [7] max messages per session, [8..] the messages (JSON)
-- Returns {'OK', seq} / {'REPLAY', seq} / {'NOT_FOUND'} / {'CONFLICT', last} / {'FULL', last}.
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return {'NOT_FOUND'} end
local done = redis.call('HGET', KEYS[3], ARGV[4])
if done then return {'REPLAY', done} end
local last = redis.call('LLEN', KEYS[2])
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= last then return {'CONFLICT', tostring(last)} end
if last + #ARGV - 7 > tonumber(ARGV[7]) then return {'FULL', tostring(last)} end
local seq = redis.call('RPUSH', KEYS[2], unpack(ARGV, 8))
local ttl = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], 'updated_at', ARGV[5])
redis.call('HSET', KEYS[3], ARGV[4], seq)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[2])
redis.call('PEXPIRE', KEYS[4], ttl)
return {'OK', tostring(seq)}
