// The Redis store's Lua scripts: each one is a unit Redis runs alone, so what a stub writes or
// claims is never seen half done by another stub. Keys are built inside the scripts from a prefix,
// the channel token (URI-encoded: it has no ':') and the clientId (last, so never ambiguous):
//   {p}ch:{t}  channel hash: clock, version, act (activity counter), deskseq, settings
//   {p}act:{t} / {p}desk:{t}  the channel's clients by last activity / on the desk, by first seen
//   {p}x:{t}   the channel's event stream: one entry per change, read by every stub to wake its polls
//   {p}c:{t}:{c}  client hash: sess, state, cursor, held, timeout, unread, mcount
//   {p}m:{t}:{c} / {p}e:{t}:{c}  messages / events, sorted sets scored by ts
//   {p}s:{t}:{c}  statuses of the messages sent to the client, by questionId
//   {p}dq:{t}:{c} / {p}dc:{t}:{c} / {p}lane:{t}:{c}  pending deliveries by seq / all its deliveries / who sends them
//   {p}d:{id}  a delivery (json, seq); {p}dall, {p}ddone, {p}dfail  deliveries kept, by seq
//   {p}dx  the deliveries' stream (consumer group `stubs`); {p}timeouts  pending timeouts by due time
// Scripts do not re-encode JSON (cjson would round numbers): records are stored as the stub wrote them.

const KEYS = `
local p = ARGV[1]
local function ck(kind, t, c) return p .. kind .. ':' .. t .. ':' .. c end
`;

/** Reserves ARGV[3] event times for a channel: max(now, last + 1), by Redis's clock. */
export const CLOCK = `${KEYS}
local key = p .. 'ch:' .. ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(redis.call('HGET', key, 'clock') or '0')
local out = {}
for i = 1, tonumber(ARGV[3]) do
  if now > last then last = now else last = last + 1 end
  out[i] = last
end
redis.call('HSET', key, 'clock', last)
return out
`;

/**
 * A unit of work: ARGV = p, maxMessages, maxEvents, maxClients, origin, then operations, each
 * `code, t, c` and its arguments. Every client written is made its channel's most recently active
 * (the least recently active is evicted, with everything it had, past maxClients).
 */
export const COMMIT = `${KEYS}
local maxM, maxE, maxC, origin = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local touched, evs, desks = {}, {}, {}
local function evict(t, o)
  redis.call('ZREM', p .. 'act:' .. t, o)
  redis.call('DEL', ck('c', t, o), ck('m', t, o), ck('s', t, o), ck('e', t, o), ck('dq', t, o), ck('lane', t, o))
  redis.call('ZREM', p .. 'timeouts', t .. ':' .. o)
  for _, id in ipairs(redis.call('SMEMBERS', ck('dc', t, o))) do
    redis.call('DEL', p .. 'd:' .. id)
    redis.call('ZREM', p .. 'dall', id)
    redis.call('ZREM', p .. 'ddone', id)
    redis.call('ZREM', p .. 'dfail', id)
  end
  redis.call('DEL', ck('dc', t, o))
  if redis.call('ZREM', p .. 'desk:' .. t, o) == 1 then
    redis.call('HINCRBY', p .. 'ch:' .. t, 'version', 1)
    desks[t] = true
  end
end
local function touch(t, c)
  local k = t .. ':' .. c
  if touched[k] then return end
  touched[k] = true
  local act = p .. 'act:' .. t
  local n = redis.call('HINCRBY', p .. 'ch:' .. t, 'act', 1)
  if redis.call('ZADD', act, n, c) == 1 and redis.call('ZCARD', act) > maxC then
    local oldest = redis.call('ZRANGE', act, 0, 0)[1]
    if oldest ~= c then evict(t, oldest) end
  end
end
local i = 6
while i <= #ARGV do
  local op, t, c = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  i = i + 3
  touch(t, c)
  local h = ck('c', t, c)
  if op == 'msg' then
    local ts, json, qid, out, status = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
    i = i + 5
    local m, s = ck('m', t, c), ck('s', t, c)
    redis.call('ZADD', m, ts, json)
    local count = redis.call('HINCRBY', h, 'mcount', 1)
    if out == '1' then
      local old = redis.call('HGET', s, qid)
      if old and old ~= 'READ' then redis.call('HINCRBY', h, 'unread', -1) end
      redis.call('HSET', s, qid, status)
      if status ~= 'READ' then redis.call('HINCRBY', h, 'unread', 1) end
    end
    if count > maxM + math.ceil(maxM / 10) then
      local drop = count - maxM
      for _, text in ipairs(redis.call('ZRANGE', m, 0, drop - 1)) do
        local msg = cjson.decode(text)
        if msg.author == 'BOT' or msg.author == 'OPERATOR' then
          local st = redis.call('HGET', s, msg.questionId)
          if st then
            redis.call('HDEL', s, msg.questionId)
            if st ~= 'READ' then redis.call('HINCRBY', h, 'unread', -1) end
          end
        end
      end
      redis.call('ZREMRANGEBYRANK', m, 0, drop - 1)
      redis.call('HSET', h, 'mcount', maxM)
    end
  elseif op == 'ev' then
    local e = ck('e', t, c)
    redis.call('ZADD', e, ARGV[i], ARGV[i + 1])
    i = i + 2
    if redis.call('ZCARD', e) > maxE + math.ceil(maxE / 10) then redis.call('ZREMRANGEBYRANK', e, 0, -(maxE + 1)) end
    evs[t .. ':' .. c] = { t, c }
  elseif op == 'sess' or op == 'state' or op == 'cursor' then
    redis.call('HSET', h, op, ARGV[i])
    i = i + 1
  elseif op == 'held' then
    if ARGV[i] == '' then redis.call('HDEL', h, 'held') else redis.call('HSET', h, 'held', ARGV[i]) end
    i = i + 1
  elseif op == 'timeout' then
    local member = t .. ':' .. c
    if ARGV[i] == '' then
      redis.call('HDEL', h, 'timeout')
      redis.call('ZREM', p .. 'timeouts', member)
    else
      redis.call('HSET', h, 'timeout', ARGV[i])
      redis.call('ZADD', p .. 'timeouts', ARGV[i + 1], member)
    end
    i = i + 2
  elseif op == 'desk' then
    local d = p .. 'desk:' .. t
    if not redis.call('ZSCORE', d, c) then redis.call('ZADD', d, redis.call('HINCRBY', p .. 'ch:' .. t, 'deskseq', 1), c) end
    redis.call('HINCRBY', p .. 'ch:' .. t, 'version', 1)
    desks[t] = true
  elseif op == 'delivery' then
    local id, json, token, client = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    i = i + 4
    local seq = redis.call('INCR', p .. 'dseq')
    redis.call('HSET', p .. 'd:' .. id, 'json', json, 'seq', seq)
    redis.call('ZADD', p .. 'dall', seq, id)
    redis.call('ZADD', ck('dq', t, c), seq, id)
    redis.call('SADD', ck('dc', t, c), id)
    redis.call('XADD', p .. 'dx', '*', 't', token, 'c', client)
  else
    return redis.error_reply('unknown operation ' .. tostring(op))
  end
end
for _, tc in pairs(evs) do redis.call('XADD', p .. 'x:' .. tc[1], 'MAXLEN', '~', 10000, '*', 'o', origin, 'c', tc[2]) end
for t in pairs(desks) do redis.call('XADD', p .. 'x:' .. t, 'MAXLEN', '~', 10000, '*', 'o', origin, 'd', '1') end
return 1
`;

/** Sets statuses all or none: ARGV = p, t, c, origin, then questionId, status pairs. Returns {'ok'}, {'client'} or {'message', id}. */
export const STATUSES = `${KEYS}
local t, c, origin = ARGV[2], ARGV[3], ARGV[4]
local h, s = ck('c', t, c), ck('s', t, c)
if tonumber(redis.call('HGET', h, 'mcount') or '0') == 0 then return { 'client' } end
for i = 5, #ARGV, 2 do
  if not redis.call('HGET', s, ARGV[i]) then return { 'message', ARGV[i] } end
end
for i = 5, #ARGV, 2 do
  local old = redis.call('HGET', s, ARGV[i])
  local delta = (ARGV[i + 1] ~= 'READ' and 1 or 0) - (old ~= 'READ' and 1 or 0)
  redis.call('HSET', s, ARGV[i], ARGV[i + 1])
  if delta ~= 0 then redis.call('HINCRBY', h, 'unread', delta) end
end
local d = p .. 'desk:' .. t
if not redis.call('ZSCORE', d, c) then redis.call('ZADD', d, redis.call('HINCRBY', p .. 'ch:' .. t, 'deskseq', 1), c) end
redis.call('HINCRBY', p .. 'ch:' .. t, 'version', 1)
redis.call('XADD', p .. 'x:' .. t, 'MAXLEN', '~', 10000, '*', 'o', origin, 'd', '1')
return { 'ok' }
`;

/** The desk of channel ARGV[2]: {version, then per client: clientId, mcount, unread, held, last message, its status}. */
export const DESK = `${KEYS}
local t = ARGV[2]
local out = { redis.call('HGET', p .. 'ch:' .. t, 'version') or '0' }
for _, c in ipairs(redis.call('ZRANGE', p .. 'desk:' .. t, 0, -1)) do
  local fields = redis.call('HMGET', ck('c', t, c), 'mcount', 'unread', 'held')
  local last = redis.call('ZRANGE', ck('m', t, c), -1, -1)[1] or ''
  local status = ''
  if last ~= '' then
    local msg = cjson.decode(last)
    status = redis.call('HGET', ck('s', t, c), msg.questionId) or ''
  end
  table.insert(out, c)
  table.insert(out, fields[1] or '0')
  table.insert(out, fields[2] or '0')
  table.insert(out, fields[3] or '')
  table.insert(out, last)
  table.insert(out, status)
end
return out
`;

/** Takes the client's pending timeout (ARGV = p, t, c, id or ''): returns its JSON, or nil when none (or another one) is pending. */
export const TAKE_TIMEOUT = `${KEYS}
local t, c, id = ARGV[2], ARGV[3], ARGV[4]
local h = ck('c', t, c)
local json = redis.call('HGET', h, 'timeout')
if not json then return nil end
if id ~= '' and cjson.decode(json).id ~= id then return nil end
redis.call('HDEL', h, 'timeout')
redis.call('ZREM', p .. 'timeouts', t .. ':' .. c)
return json
`;

/**
 * Claims a client's lane (ARGV = p, t, c, owner, ttl ms, ticket): 1 when this owner now holds it.
 * When another owner holds it (or this one already does), the ticket is acknowledged: the holder
 * sends everything pending before it lets the lane go (RELEASE_LANE checks atomically).
 */
export const CLAIM_LANE = `${KEYS}
local t, c, owner, ttl, ticket = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if redis.call('SET', ck('lane', t, c), owner, 'NX', 'PX', ttl) then return 1 end
if ticket ~= '' then redis.call('XACK', p .. 'dx', 'stubs', ticket) end
return 0
`;

/** Keeps a claim alive (ARGV = p, t, c, owner, ttl, ticket): its lease, and its ticket's idle time (so that no one takes it over). */
export const RENEW_LANE = `${KEYS}
local t, c, owner, ttl, ticket = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local lane = ck('lane', t, c)
if redis.call('GET', lane) ~= owner then return 0 end
redis.call('PEXPIRE', lane, ttl)
if ticket ~= '' then pcall(redis.call, 'XCLAIM', p .. 'dx', 'stubs', owner, 0, ticket, 'JUSTID') end
return 1
`;

/** Lets a lane go when nothing is pending in it (ARGV = p, t, c, owner, ticket): 1, and its ticket is acknowledged; 0 when more came. */
export const RELEASE_LANE = `${KEYS}
local t, c, owner, ticket = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('ZCARD', ck('dq', t, c)) > 0 then return 0 end
local lane = ck('lane', t, c)
if redis.call('GET', lane) == owner then redis.call('DEL', lane) end
if ticket ~= '' then redis.call('XACK', p .. 'dx', 'stubs', ticket) end
return 1
`;

/** The lane's first pending delivery (ARGV = p, t, c): {json, seq}, or nil. */
export const LANE_HEAD = `${KEYS}
local id = redis.call('ZRANGE', ck('dq', ARGV[2], ARGV[3]), 0, 0)[1]
if not id then return nil end
return redis.call('HMGET', p .. 'd:' .. id, 'json', 'seq')
`;

/**
 * Records a delivery (ARGV = p, t, c, id, json, state, max kept in that state): a settled one
 * leaves the lane for the delivered or failed list, whose oldest go past the limit. Returns how many
 * were forgotten.
 */
export const SAVE_DELIVERY = `${KEYS}
local t, c, id, json, state, max = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local key = p .. 'd:' .. id
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'json', json)
if state == 'pending' then return 0 end
redis.call('ZREM', ck('dq', t, c), id)
local list = p .. (state == 'delivered' and 'ddone' or 'dfail')
redis.call('ZADD', list, redis.call('HGET', key, 'seq'), id)
local over = redis.call('ZCARD', list) - max
if over <= 0 then return 0 end
local dropped = redis.call('ZPOPMIN', list, over)
-- Their ids stay in their client's dc set until the client goes: deleting a missing key is harmless.
for i = 1, #dropped, 2 do
  local gone = dropped[i]
  redis.call('DEL', p .. 'd:' .. gone)
  redis.call('ZREM', p .. 'dall', gone)
end
return over
`;

/** A failed delivery goes back to its lane (ARGV = p, t, c, id, json, token, clientId), with a work notice. */
export const REPLAY_DELIVERY = `${KEYS}
local t, c, id, json = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local key = p .. 'd:' .. id
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'json', json)
redis.call('ZREM', p .. 'dfail', id)
redis.call('ZADD', ck('dq', t, c), redis.call('HGET', key, 'seq'), id)
redis.call('XADD', p .. 'dx', '*', 't', ARGV[6], 'c', ARGV[7])
return 1
`;

export const SCRIPTS = { CLOCK, COMMIT, STATUSES, DESK, TAKE_TIMEOUT, CLAIM_LANE, RENEW_LANE, RELEASE_LANE, LANE_HEAD, SAVE_DELIVERY, REPLAY_DELIVERY };
export type ScriptName = keyof typeof SCRIPTS;
