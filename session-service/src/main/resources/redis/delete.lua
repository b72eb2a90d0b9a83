-- Deletes a session and everything kept for it.
-- KEYS[1] session hash, KEYS[2] message list, KEYS[3] idempotency hash, KEYS[4] owner index,
--     KEYS[5] token costs, KEYS[6] seqs of the system messages
-- ARGV[1] owner, [2] session id. Returns {'OK'} or {'NOT_FOUND'}.
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return {'NOT_FOUND'} end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[5], KEYS[6])
redis.call('ZREM', KEYS[4], ARGV[2])
return {'OK'}
