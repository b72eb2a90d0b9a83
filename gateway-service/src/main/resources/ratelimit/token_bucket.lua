-- Token bucket in one Redis hash, atomically.
-- KEYS[1]: the bucket; ARGV: capacity, refill per second, cost, minimum level needed, now (ms).
-- The bucket starts full. A call is allowed when the level (after refill) is >= the minimum; an
-- allowed call takes `cost` (the level may go below zero: generated tokens are charged after the
-- fact, and the debt delays the next request). Returns {allowed (1/0), ms until allowed}.
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local minimum = tonumber(ARGV[4])
local now = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1])
local at = tonumber(state[2])
if level == nil then
  level = capacity
  at = now
end
level = math.min(capacity, level + math.max(0, now - at) * rate / 1000)
local allowed = 0
local wait = 0
if level >= minimum then
  allowed = 1
  level = level - cost
else
  wait = math.ceil((minimum - level) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'level', level, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 60000)
return {allowed, wait}
