-- Reads the part of a conversation that fits a token budget, in one consistent view: the system
-- prompt and every system message are always kept, then the longest suffix of the other messages
-- whose costs fit what is left and that does not start with a tool message (as ContextWindow.fit
-- does). Only that part is read: the costs are walked back from the newest in chunks, then the
-- suffix and the earlier system messages fetched.
-- KEYS as append.lua's: [1] session hash, [2] message list, [5] token costs ('s' before a system
--     message's), [6] seqs of the system messages
-- ARGV[1] owner, [2] max tokens or '' for all
-- Returns one flat array (cheaper to decode than nested ones):
--   {'NOT_FOUND'};
--   {'ALL', system prompt, message JSON...} when there is no budget or the session has no costs
--     index (written before it existed): the caller fits the whole conversation itself;
--   {'WINDOW', system prompt, first, last seq, tokens kept (system prompt and messages), e,
--     e times: seq, JSON of a system message before first; then the JSON of seqs first..last}.
local f = redis.call('HMGET', KEYS[1], 'owner', 'system_prompt', 'kept_tokens')
if f[1] ~= ARGV[1] then return {'NOT_FOUND'} end
local last = redis.call('LLEN', KEYS[2])
if ARGV[2] == '' or not f[3] or redis.call('LLEN', KEYS[5]) ~= last then
  local all = {'ALL', f[2]}
  for _, message in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do all[#all + 1] = message end
  return all
end
local kept = tonumber(f[3])
local budget = tonumber(ARGV[2]) - kept
local first, used, full = last + 1, 0, false
while first > 1 and not full do
  local from = math.max(1, first - 64)
  local costs = redis.call('LRANGE', KEYS[5], from - 1, first - 2)
  if #costs == 0 then break end -- cannot happen while the lengths agree; never loop forever
  for i = #costs, 1, -1 do
    local cost = costs[i]
    if string.byte(cost) ~= 115 then -- not 's': a message the budget may leave out
      cost = tonumber(cost)
      if used + cost > budget then full = true; break end
      used = used + cost
    end
    first = from + i - 1
  end
end
-- Older messages left out: tool results at the start of the window go too, as the assistant message
-- whose calls they answer did (a call and its results are kept or left out together).
if first > 1 then
  while first <= last do
    local cost = redis.call('LINDEX', KEYS[5], first - 1)
    if string.byte(cost) ~= 115 then -- not a system message
      if cjson.decode(redis.call('LINDEX', KEYS[2], first - 1)).role ~= 'tool' then break end
      used = used - tonumber(cost)
    end
    first = first + 1
  end
end
local out = {'WINDOW', f[2], tostring(first), tostring(last), tostring(kept + used), '0'}
if first > 1 then
  local earlier = 0
  for _, seq in ipairs(redis.call('LRANGE', KEYS[6], 0, -1)) do
    if tonumber(seq) < first then
      out[#out + 1] = seq
      out[#out + 1] = redis.call('LINDEX', KEYS[2], tonumber(seq) - 1)
      earlier = earlier + 1
    end
  end
  out[6] = tostring(earlier)
end
for _, message in ipairs(redis.call('LRANGE', KEYS[2], first - 1, -1)) do out[#out + 1] = message end
return out
