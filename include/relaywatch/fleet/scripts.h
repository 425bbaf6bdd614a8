// The Lua scripts the fleet runs in Redis, each one atomic (EVALSHA): a node's counts go in and
// the others' come out in one round trip per Key, pipelined for a whole batch.
#ifndef RELAYWATCH_FLEET_SCRIPTS_H_
#define RELAYWATCH_FLEET_SCRIPTS_H_

namespace relaywatch::fleet {

// KEYS: count hash, top set. ARGV: node, oldest slice, ttl ms, Key hex, then slice, count pairs.
// Raises this node's field of each slice to the count given (never lowers it: a resend changes
// nothing), drops slices older than the window, and returns {fleet total, slice, count, ...}
// with one pair per other node's field.
inline constexpr const char* kCountScript = R"lua(
local h, node, oldest = KEYS[1], ARGV[1], tonumber(ARGV[2])
for i = 5, #ARGV, 2 do
  local f = ARGV[i] .. ':' .. node
  local v = tonumber(ARGV[i + 1])
  if v > tonumber(redis.call('HGET', h, f) or '0') then redis.call('HSET', h, f, v) end
end
local all = redis.call('HGETALL', h)
local out = {0}
local total = 0
for i = 1, #all, 2 do
  local c = string.find(all[i], ':', 1, true)
  local slice = tonumber(string.sub(all[i], 1, c - 1))
  if slice < oldest then
    redis.call('HDEL', h, all[i])
  else
    local n = tonumber(all[i + 1])
    total = total + n
    if string.sub(all[i], c + 1) ~= node then
      out[#out + 1] = slice
      out[#out + 1] = n
    end
  end
end
out[1] = total
if total > 0 then
  redis.call('PEXPIRE', h, ARGV[3])
  redis.call('ZADD', KEYS[2], total, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
else
  redis.call('DEL', h)
  redis.call('ZREM', KEYS[2], ARGV[4])
end
return out
)lua";

// KEYS: distinct hash, top set. ARGV: oldest slice, ttl ms, Key hex, then address, slice pairs.
// Keeps each address's newest slice, drops those older than the window, returns the count.
inline constexpr const char* kDistinctScript = R"lua(
local h, oldest = KEYS[1], tonumber(ARGV[1])
for i = 4, #ARGV, 2 do
  local s = tonumber(ARGV[i + 1])
  if s > tonumber(redis.call('HGET', h, ARGV[i]) or '-1e18') then
    redis.call('HSET', h, ARGV[i], s)
  end
end
local all = redis.call('HGETALL', h)
local n = 0
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) < oldest then redis.call('HDEL', h, all[i]) else n = n + 1 end
end
if n > 0 then
  redis.call('PEXPIRE', h, ARGV[2])
  redis.call('ZADD', KEYS[2], n, ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
else
  redis.call('ZREM', KEYS[2], ARGV[3])
end
return n
)lua";

// KEYS: claim key. ARGV: node, alert id, stamp ms, period ms, count, escalate factor (0: none),
// force (1: take it whoever holds it). The claim holds "NODE STAMP COUNT ID". Won: nobody holds
// it, or its holder's period ended by this stamp, or it is this node's very alert again (two
// nodes' alerts can share an id: lines stamped in the same microsecond), or the count grew by
// the escalate factor. Returns {1 or 0, holder node, holder id, the count held before (0: none),
// 1 when won over another node's claim of the period by escalation}.
inline constexpr const char* kClaimScript = R"lua(
local stamp, period, count, esc = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]),
  tonumber(ARGV[6])
local held, by_escalation = 0, 0
local v = redis.call('GET', KEYS[1])
if v and ARGV[7] ~= '1' then
  local n, s, c, id = string.match(v, '^(%S+) (%-?%d+) (%d+) (%S+)$')
  if n then
    if id == ARGV[2] and n == ARGV[1] then return {1, n, id, tonumber(c), 0} end
    local within = stamp < tonumber(s) + period
    local escalated = esc > 0 and count > tonumber(c) and count >= esc * tonumber(c)
    if within and not escalated then return {0, n, id, tonumber(c), 0} end
    held = tonumber(c)
    by_escalation = within and 1 or 0
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[3] .. ' ' .. ARGV[5] .. ' ' .. ARGV[2], 'PX',
  math.max(2 * period, 60000))
return {1, ARGV[1], ARGV[2], held, by_escalation}
)lua";

// KEYS: nodes set. ARGV: node, how long a node is remembered (ms). Returns Redis's time in ms.
inline constexpr const char* kHeartbeatScript = R"lua(
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], ms, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - tonumber(ARGV[2]))
return ms
)lua";

}  // namespace relaywatch::fleet

#endif  // RELAYWATCH_FLEET_SCRIPTS_H_
