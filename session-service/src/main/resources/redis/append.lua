-- Appends messages to a session atomically; seq of a message = its index in the list + 1.
-- KEYS[1] session hash, KEYS[2] message list,
--     KEYS[3] idempotency hash (key -> 'last seq written|messages written|request hash'),
--     KEYS[4] owner index, KEYS[5] token costs (one per message, 's' before a system message's),
--     KEYS[6] seqs of the system messages
-- ARGV[1] owner, [2] session id, [3] expected last seq or '', [4] idempotency key, [5] now ms,
--     [6] ttl ms, [7] max messages per session, [8] tokens of the system messages among them,
--     [9] request hash, [10..9+k] the k messages (JSON), [10+k..9+2k] their token costs
-- Returns {'OK', seq} / {'REPLAY', seq} / {'KEY_REUSED', seq} / {'NOT_FOUND'} / {'CONFLICT', last}
--     / {'FULL', last}.
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return {'NOT_FOUND'} end
local done = redis.call('HGET', KEYS[3], ARGV[4])
if done then
  local seq, hash = string.match(done, '^(%d+)|%d+|(.*)$')
  if not seq then return {'REPLAY', done} end -- recorded before request hashes were kept
  if hash ~= ARGV[9] then return {'KEY_REUSED', seq} end
  return {'REPLAY', seq}
end
local last = redis.call('LLEN', KEYS[2])
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= last then return {'CONFLICT', tostring(last)} end
local k = (#ARGV - 9) / 2
if last + k > tonumber(ARGV[7]) then return {'FULL', tostring(last)} end
-- The costs index is kept only while it covers every message (sessions created before it had
-- none: messages.lua then reads them whole).
local indexed = redis.call('LLEN', KEYS[5]) == last and redis.call('HEXISTS', KEYS[1], 'kept_tokens') == 1
local seq = redis.call('RPUSH', KEYS[2], unpack(ARGV, 10, 9 + k))
local ttl = tonumber(ARGV[6])
if indexed then
  redis.call('RPUSH', KEYS[5], unpack(ARGV, 10 + k, 9 + 2 * k))
  if ARGV[8] ~= '0' then redis.call('HINCRBY', KEYS[1], 'kept_tokens', ARGV[8]) end
  for i = 1, k do
    if string.byte(ARGV[9 + k + i]) == 115 then redis.call('RPUSH', KEYS[6], last + i) end -- 's'
  end
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[5])
redis.call('HSET', KEYS[3], ARGV[4], seq .. '|' .. k .. '|' .. ARGV[9])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('PEXPIRE', KEYS[5], ttl)
redis.call('PEXPIRE', KEYS[6], ttl)
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[2])
redis.call('PEXPIRE', KEYS[4], ttl)
return {'OK', tostring(seq)}
