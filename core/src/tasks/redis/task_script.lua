-- Every multi-key transition of the redis task backend, run atomically by
-- EVALSHA. ARGV[1] is the key prefix, ARGV[2] names the operation, ARGV[3]
-- is the time in Unix milliseconds; keys are derived from ids (single
-- Redis instance, not a cluster).
--
-- Layout (prefix P):
--   P..'task:'..id        hash: the task's fields
--   P..'stream:'..q|t|p   stream per queue, type and priority; group 'workers'
--   P..'streams:'..q      zset of 't|p' members scored by priority
--   P..'delayed'          zset id -> run_at (scheduled and retrying tasks)
--   P..'leases'           zset id -> lease_until (running tasks), plus a sentinel
--   P..'unique:'..key     live task holding a unique key
--   P..'children:'..id    set of tasks depending on id
--   P..'errors:'..id      list of its failed attempts' errors
--   P..'all'              zset of every id (score 0; ids sort by time)
--   P..'finished'         zset id -> finished_at
--   P..'stats'            hash 'queue\ttype\tstate' -> count
--   P..'firings:'..name   hash fire_at -> task id; P..'firing_times:'..name zset
--   P..'wake'             pub/sub channel: a call that made tasks ready publishes
--                         once, so idle workers claim without waiting to poll
local P = ARGV[1]
table.remove(ARGV, 1)
local op = ARGV[1]
-- The time as the caller sent it: written as it is, because turning a Lua
-- number back into text costs a printf in every command that takes it.
local now_text = ARGV[2]

local function tkey(id) return P .. 'task:' .. id end

-- Every field a transition may look at.
local function load(id)
  local v = redis.call('HMGET', tkey(id), 'state', 'queue', 'type', 'priority', 'token',
    'attempts', 'max_attempts', 'cancel_requested', 'lease_ms', 'unique_key', 'policy',
    'pending_deps', 'run_at', 'stream', 'entry', 'has_children')
  if not v[1] then return nil end
  -- Fields still at their defaults are not stored (see insert).
  return {id = id, state = v[1], queue = v[2], type = v[3], priority = v[4],
    token = tonumber(v[5]) or 0, attempts = tonumber(v[6]) or 0, max_attempts = tonumber(v[7]),
    cancel = v[8] == '1', lease_ms = tonumber(v[9]), unique_key = v[10] or '',
    policy = v[11] or 'fail', pending = tonumber(v[12]) or 0, run_at = tonumber(v[13]),
    stream = v[14] or '', entry = v[15] or '', has_children = v[16] == '1'}
end

-- The fields a success needs, for the hot path of every finished task.
local function load_for_success(id)
  local v = redis.call('HMGET', tkey(id), 'state', 'queue', 'type', 'token', 'cancel_requested',
    'unique_key', 'stream', 'entry', 'has_children')
  if not v[1] then return nil end
  return {id = id, state = v[1], queue = v[2], type = v[3], token = tonumber(v[4]) or 0,
    cancel = v[5] == '1', unique_key = v[6] or '', stream = v[7] or '', entry = v[8] or '',
    has_children = v[9] == '1'}
end

-- The fields a claim needs. Queue and type are those of the stream the
-- entry came from: a task's entries go to its own stream only.
local function load_for_claim(id, queue, type)
  local v = redis.call('HMGET', tkey(id), 'state', 'token', 'attempts', 'max_attempts',
    'lease_ms', 'pending_deps', 'entry', 'started_at', 'payload', 'dependency_count')
  if not v[1] then return nil end
  return {id = id, state = v[1], queue = queue, type = type, token = tonumber(v[2]) or 0,
    attempts = tonumber(v[3]) or 0, max_attempts = tonumber(v[4]), lease_ms = tonumber(v[5]),
    pending = tonumber(v[6]) or 0, entry = v[7] or '', started_at = v[8] or '', payload = v[9],
    dependency_count = tonumber(v[10] or 0)}
end

local function is_live(state)
  return state == 'scheduled' or state == 'queued' or state == 'running' or state == 'retrying'
end

-- Counter changes are summed here and written once per call, not once
-- per task.
-- Nested by queue, type and state: no string is built per task.
local count_deltas = {}

local function count(t, state, delta)
  local by_type = count_deltas[t.queue]
  if not by_type then by_type = {} count_deltas[t.queue] = by_type end
  local by_state = by_type[t.type]
  if not by_state then by_state = {} by_type[t.type] = by_state end
  by_state[state] = (by_state[state] or 0) + delta
end

local function flush_counts()
  for queue, by_type in pairs(count_deltas) do
    for type, by_state in pairs(by_type) do
      for state, delta in pairs(by_state) do
        if delta ~= 0 then
          redis.call('HINCRBY', P .. 'stats', queue .. '\t' .. type .. '\t' .. state, delta)
        end
      end
    end
  end
end

-- Acknowledged entries are trimmed once per call per stream (XTRIM MINID
-- below the oldest entry still pending or undelivered) instead of one XDEL
-- per task.
local touched_streams = {}

local function trim_streams()
  for stream in pairs(touched_streams) do
    local pending = redis.call('XPENDING', stream, 'workers')
    local keep_from
    if pending[1] > 0 then
      keep_from = pending[2]
    else
      for _, group in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
        for i = 1, #group, 2 do
          if group[i] == 'last-delivered-id' then keep_from = group[i + 1] end
        end
      end
      if keep_from then
        local ms, seq = string.match(keep_from, '^(%d+)-(%d+)$')
        keep_from = ms .. '-' .. (tonumber(seq) + 1)
      end
    end
    if keep_from then redis.call('XTRIM', stream, 'MINID', keep_from) end
  end
end

-- Writes to the all, leases and finished sets and stream acknowledgements are
-- collected and sent as one command per key at the end of the call: one
-- ZADD for a batch of claims instead of one per task. Nothing in a call
-- reads these keys back before the end; removals go before additions, the
-- order in which a call makes them.
local deferred_zrem, deferred_zadd, deferred_acks = {}, {}, {}

local function list_of(lists, key)
  local list = lists[key]
  if not list then list = {} lists[key] = list end
  return list
end

local LEASES = P .. 'leases'
-- The leases set stays small (the tasks running now), and Redis keeps
-- small sorted sets as a listpack, where every insert and removal scans and
-- moves the whole set: 2.3 us per lease added, against 0.3 us in the
-- skiplist encoding. A member longer than zset-max-listpack-value (64 bytes
-- by default) keeps the set a skiplist, also across restarts; its score
-- +inf puts it after every lease, so reclaim never reaches it.
local LEASES_SENTINEL = 'sentinel: keeps this set in the skiplist encoding ' .. string.rep('-', 64)

local function later_zadd(key, score, member)
  local first = not deferred_zadd[key]
  local list = list_of(deferred_zadd, key)
  if first and key == LEASES then list[1], list[2] = '+inf', LEASES_SENTINEL end
  list[#list + 1] = score
  list[#list + 1] = member
end

local function later_zrem(key, member)
  local list = list_of(deferred_zrem, key)
  list[#list + 1] = member
end

local function later_ack(stream, entry)
  local list = list_of(deferred_acks, stream)
  list[#list + 1] = entry
  touched_streams[stream] = true
end

-- Lua's unpack takes a few thousand values at most.
local function in_chunks(command, key, prefix, values, step)
  for first = 1, #values, step do
    local last = math.min(first + step - 1, #values)
    if prefix then
      redis.call(command, key, prefix, unpack(values, first, last))
    else
      redis.call(command, key, unpack(values, first, last))
    end
  end
end

local function flush_deferred()
  for stream, entries in pairs(deferred_acks) do in_chunks('XACK', stream, 'workers', entries, 1000) end
  for key, members in pairs(deferred_zrem) do in_chunks('ZREM', key, nil, members, 1000) end
  for key, pairs_ in pairs(deferred_zadd) do in_chunks('ZADD', key, nil, pairs_, 1000) end
end

-- Moves the counters; the caller writes 'state' with its other fields.
local function set_state(t, state)
  count(t, t.state, -1)
  count(t, state, 1)
  t.previous, t.state = t.state, state
end

local known_streams = {}

-- Appends the task to its stream; `write` false leaves recording the
-- entry to the caller (who writes the hash anyway).
local made_ready = false

local function enter_stream(t, write)
  made_ready = true
  local member = t.type .. '|' .. t.priority
  local stream = P .. 'stream:' .. t.queue .. '|' .. member
  if not known_streams[stream] then
    if not redis.call('ZSCORE', P .. 'streams:' .. t.queue, member) then
      redis.call('ZADD', P .. 'streams:' .. t.queue, tonumber(t.priority), member)
      redis.pcall('XGROUP', 'CREATE', stream, 'workers', '0', 'MKSTREAM')
    end
    known_streams[stream] = true
  end
  local entry = redis.call('XADD', stream, '*', 'id', t.id)
  if write ~= false then redis.call('HSET', tkey(t.id), 'stream', stream, 'entry', entry) end
  t.stream, t.entry = stream, entry
end

-- Makes a task claimable now, or at its run_at.
local function make_ready(t, now)
  if t.run_at > now then
    redis.call('ZADD', P .. 'delayed', t.run_at, t.id)
  else
    redis.call('ZREM', P .. 'delayed', t.id)
    enter_stream(t)
  end
end

-- Acknowledges and drops the task's stream entry; the caller clears
-- 'entry' in its own HSET.
local function leave_stream(t)
  if t.entry ~= '' then
    later_ack(t.stream, t.entry)
    t.entry = ''
  end
end

local function release_unique(t)
  if t.unique_key ~= '' and redis.call('GET', P .. 'unique:' .. t.unique_key) == t.id then
    redis.call('DEL', P .. 'unique:' .. t.unique_key)
  end
end

-- `...`: more field, value pairs for the task's hash.
local function finalize(t, state, ...)
  set_state(t, state)
  leave_stream(t)
  release_unique(t)
  if t.previous == 'running' then
    later_zrem(LEASES, t.id)
  else
    redis.call('ZREM', P .. 'delayed', t.id)
  end
  -- 'entry' and the lease fields are left as they are: no transition reads
  -- them once the state is final, and records show them only while running.
  redis.call('HSET', tkey(t.id), 'state', state, 'finished_at', now_text, ...)
  later_zadd(P .. 'finished', now_text, t.id)
end

local function release_children(id, now)
  for _, child in ipairs(redis.call('SMEMBERS', P .. 'children:' .. id)) do
    local c = load(child)
    if c and is_live(c.state) then
      local pending = redis.call('HINCRBY', tkey(child), 'pending_deps', -1)
      if pending == 0 and c.state == 'scheduled' then make_ready(c, now) end
    end
  end
end

local function propagate_failure(id, state, now)
  for _, child in ipairs(redis.call('SMEMBERS', P .. 'children:' .. id)) do
    local c = load(child)
    if c and is_live(c.state) then
      if c.policy == 'run' then
        local pending = redis.call('HINCRBY', tkey(child), 'pending_deps', -1)
        if pending == 0 and c.state == 'scheduled' then make_ready(c, now) end
      else
        local running = c.state == 'running' and '1' or '0'
        finalize(c, 'dead', 'error', 'dependency ' .. id .. ' ended ' .. state,
          'cancel_requested', running)
        propagate_failure(child, 'dead', now)
      end
    end
  end
end

local function cancel_finished(t, now)
  finalize(t, 'cancelled', 'error', 'cancelled by request')
  propagate_failure(t.id, 'cancelled', now)
end

-- Returns 1 when applied, 0 when the token is stale.
-- Why an attempt failed, kept for the task's page: "attempt\tat\terror",
-- the last 100.
local function note_error(t, value, now)
  local key = P .. 'errors:' .. t.id
  redis.call('RPUSH', key, t.attempts .. '\t' .. now .. '\t' .. value)
  redis.call('LTRIM', key, -100, -1)
end

local function apply_outcome(id, token, kind, value, retry_at, now)
  local t = kind == 'succeeded' and load_for_success(id) or load(id)
  if not t or t.state ~= 'running' or t.token ~= tonumber(token) then return 0 end
  if kind == 'succeeded' then
    if t.cancel then cancel_finished(t, now) return 1 end
    finalize(t, 'succeeded', 'result', value, 'error', '')
    if t.has_children then release_children(id, now) end
  elseif kind == 'retry' then
    if t.cancel then cancel_finished(t, now) return 1 end
    note_error(t, value, now)
    set_state(t, 'retrying')
    leave_stream(t)
    later_zrem(LEASES, id)
    redis.call('HSET', tkey(id), 'state', 'retrying', 'entry', '', 'run_at', retry_at,
      'error', value, 'lease_owner', '', 'lease_until', '')
    t.run_at = tonumber(retry_at)
    make_ready(t, now)
  elseif kind == 'dead' then
    note_error(t, value, now)
    finalize(t, 'dead', 'error', value)
    propagate_failure(id, 'dead', now)
  elseif kind == 'cancelled' then
    if not t.cancel then return 0 end
    cancel_finished(t, now)
  elseif kind == 'released' then
    -- Its attempt given back; with a retry_at (a dependency was down) it
    -- runs again then, its error noted.
    local later = tonumber(retry_at) > 0
    local state = later and 'retrying' or 'queued'
    if later then note_error(t, value, now) end
    set_state(t, state)
    leave_stream(t)
    later_zrem(LEASES, id)
    redis.call('HSET', tkey(id), 'state', state, 'entry', '', 'attempts', t.attempts - 1,
      'lease_owner', '', 'lease_until', '')
    if later then
      redis.call('HSET', tkey(id), 'run_at', retry_at, 'error', value)
      t.run_at = tonumber(retry_at)
    else
      t.run_at = now
    end
    make_ready(t, now)
  end
  return 1
end

-- ARGV from i: id type queue priority payload max_attempts run_at unique_key
-- lease_ms policy owner ndeps dep...; returns the id and the next index.
local function insert(i, now)
  local id, type, queue, priority = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local payload, max_attempts, run_at = ARGV[i + 4], ARGV[i + 5], tonumber(ARGV[i + 6])
  local unique_key, lease_ms, policy = ARGV[i + 7], ARGV[i + 8], ARGV[i + 9]
  local owner, ndeps = ARGV[i + 10], tonumber(ARGV[i + 11])
  local deps = {}
  for d = 1, ndeps do deps[d] = ARGV[i + 11 + d] end
  local next_index = i + 12 + ndeps
  if unique_key ~= '' then
    local holder = redis.call('GET', P .. 'unique:' .. unique_key)
    if holder then
      local h = load(holder)
      if h and is_live(h.state) then return holder, next_index end
    end
  end
  local pending, failed = 0, nil
  for _, dep in ipairs(deps) do
    local state = redis.call('HGET', tkey(dep), 'state')
    if state == 'dead' or state == 'cancelled' then
      if policy == 'fail' then failed = dep end
    elseif state ~= 'succeeded' then
      pending = pending + 1
    end
  end
  local t = {id = id, type = type, queue = queue, priority = priority, run_at = run_at,
    unique_key = unique_key, state = 'new', entry = '', stream = ''}
  local state = 'queued'
  if failed then
    state = 'dead'
  elseif pending > 0 or run_at > now then
    state = 'scheduled'
  else
    enter_stream(t, false)
  end
  count(t, state, 1)
  -- Defaults (attempts, token, progress 0; no unique key, dependencies,
  -- cancellation; policy 'fail') are left out: a smaller hash is cheaper
  -- to write and to read on every transition.
  local fields = {'id', id, 'type', type, 'queue', queue, 'priority', priority,
    'payload', payload, 'state', state, 'max_attempts', max_attempts, 'run_at', run_at,
    'lease_ms', lease_ms, 'created_at', now_text}
  local function add(name, value) fields[#fields + 1] = name; fields[#fields + 1] = value end
  if unique_key ~= '' then add('unique_key', unique_key) end
  if owner ~= '' then add('owner', owner) end
  if ndeps > 0 then add('dependency_count', ndeps) add('pending_deps', pending) end
  if policy ~= 'fail' then add('policy', policy) end
  if t.entry ~= '' then add('stream', t.stream) add('entry', t.entry) end
  redis.call('HSET', tkey(id), unpack(fields))
  later_zadd(P .. 'all', '0', id)
  for _, dep in ipairs(deps) do
    redis.call('SADD', P .. 'children:' .. dep, id)
    redis.call('HSET', tkey(dep), 'has_children', 1)
    redis.call('SADD', P .. 'parents:' .. id, dep)
  end
  if unique_key ~= '' then redis.call('SET', P .. 'unique:' .. unique_key, id) end
  if failed then
    redis.call('HSET', tkey(id), 'error', 'dependency ' .. failed .. ' failed', 'finished_at',
      now_text)
    later_zadd(P .. 'finished', now_text, id)
    release_unique(t)
  elseif state == 'scheduled' and pending == 0 then
    redis.call('ZADD', P .. 'delayed', run_at, id)
  end
  return id, next_index
end

local function check_dependencies(n, now)
  local i = 4
  local ids = {}
  for _ = 1, n do
    ids[ARGV[i]] = true
    local ndeps = tonumber(ARGV[i + 11])
    for d = 1, ndeps do
      local dep = ARGV[i + 11 + d]
      if not ids[dep] and redis.call('EXISTS', tkey(dep)) == 0 then
        return 'dependency ' .. dep .. ' does not exist'
      end
    end
    i = i + 12 + ndeps
  end
  return nil
end

local function enqueue(now, n)
  local problem = check_dependencies(n, now)
  if problem then return redis.error_reply('ENQUEUE ' .. problem) end
  local ids, i = {}, 4
  for k = 1, n do
    local id
    id, i = insert(i, now)
    if type(id) == 'table' then return id end
    ids[k] = id
  end
  return ids
end

local function promote_due(now)
  local due = redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', now_text, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    redis.call('ZREM', P .. 'delayed', id)
    local t = load(id)
    if t and (t.state == 'scheduled' or t.state == 'retrying') and t.pending == 0 then
      enter_stream(t)
    end
  end
end

local function dependency_results(id)
  local results = {}
  for _, parent in ipairs(redis.call('SMEMBERS', P .. 'parents:' .. id)) do
    results[#results + 1] = parent
    results[#results + 1] = redis.call('HGET', tkey(parent), 'result') or 'null'
  end
  return results
end

local no_dependencies = {}

local function claim_from(queue, type, stream, worker, limit, now, claimed)
  local reply = redis.call('XREADGROUP', 'GROUP', 'workers', worker, 'COUNT', limit,
    'STREAMS', stream, '>')
  if not reply then return end
  for _, message in ipairs(reply[1][2]) do
    local entry, id = message[1], message[2][2]
    local t = load_for_claim(id, queue, type)
    if t and t.entry == entry and t.pending == 0 and
        (t.state == 'queued' or t.state == 'scheduled' or t.state == 'retrying') then
      local token, attempts = t.token + 1, t.attempts + 1
      -- Integers formatted here: Redis would print Lua numbers as floats.
      local lease_until = string.format('%d', now + t.lease_ms)
      set_state(t, 'running')
      redis.call('HSET', tkey(id), 'state', 'running', 'token', string.format('%d', token),
        'attempts', string.format('%d', attempts),
        'lease_owner', worker, 'lease_until', lease_until,
        'started_at', t.started_at ~= '' and t.started_at or now_text)
      later_zadd(LEASES, lease_until, id)
      local deps = no_dependencies
      if t.dependency_count > 0 then deps = dependency_results(id) end
      claimed[#claimed + 1] = {id, t.type, t.payload, attempts, t.max_attempts, token, t.lease_ms,
        deps, queue}
    else
      later_ack(stream, entry)
    end
  end
end

local function exchange(now)
  local worker, limit, oldest_first = ARGV[3], tonumber(ARGV[4]), ARGV[5] == '1'
  local i = 6
  local types = {}
  local ntypes = tonumber(ARGV[i]); i = i + 1
  for _ = 1, ntypes do types[ARGV[i]] = true; i = i + 1 end
  local queues = {}
  local nqueues = tonumber(ARGV[i]); i = i + 1
  for q = 1, nqueues do queues[q] = ARGV[i]; i = i + 1 end
  local stale = 0
  local noutcomes = tonumber(ARGV[i]); i = i + 1
  for _ = 1, noutcomes do
    stale = stale + 1 - apply_outcome(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],
      ARGV[i + 4], now)
    i = i + 5
  end
  local claimed = {}
  if limit > 0 then
    promote_due(now)
    for _, queue in ipairs(queues) do
      local members
      if oldest_first then
        members = redis.call('ZRANGE', P .. 'streams:' .. queue, 0, -1)
      else
        members = redis.call('ZREVRANGE', P .. 'streams:' .. queue, 0, -1)
      end
      for _, member in ipairs(members) do
        if #claimed >= limit then break end
        local type = string.match(member, '^(.*)|[^|]*$')
        if types[type] then
          claim_from(queue, type, P .. 'stream:' .. queue .. '|' .. member, worker,
            limit - #claimed, now, claimed)
        end
      end
    end
  end
  return {stale, claimed}
end

local function extend(now)
  local results, i = {}, 3
  while ARGV[i] do
    local t = load(ARGV[i])
    if t and t.state == 'running' and t.token == tonumber(ARGV[i + 1]) then
      local until_ms = now + t.lease_ms
      redis.call('HSET', tkey(t.id), 'lease_until', until_ms)
      later_zadd(LEASES, until_ms, t.id)
      results[#results + 1] = t.cancel and 1 or 0
    else
      results[#results + 1] = -1
    end
    i = i + 2
  end
  return results
end

local function reclaim(now)
  local expired = redis.call('ZRANGEBYSCORE', LEASES, '-inf', '(' .. now, 'LIMIT', 0, 1000)
  local reclaimed = 0
  for _, id in ipairs(expired) do
    local t = load(id)
    if t and t.state == 'running' then
      local kind = t.attempts >= t.max_attempts and 'dead' or 'retry'
      reclaimed = reclaimed + apply_outcome(id, t.token, kind,
        'lease expired: the worker stopped heartbeating', now, now)
    else
      redis.call('ZREM', LEASES, id)
    end
  end
  return reclaimed
end

local function cancel(now, id)
  local t = load(id)
  if not t then return 'not_found' end
  if t.state == 'running' then
    redis.call('HSET', tkey(id), 'cancel_requested', 1)
    return 'done'
  end
  if not is_live(t.state) then return 'illegal' end
  cancel_finished(t, now)
  return 'done'
end

local function retry(now, id)
  local t = load(id)
  if not t then return 'not_found' end
  if t.state ~= 'dead' and t.state ~= 'cancelled' then return 'illegal' end
  if t.unique_key ~= '' then
    local holder = redis.call('GET', P .. 'unique:' .. t.unique_key)
    if holder and holder ~= id then
      local h = load(holder)
      if h and is_live(h.state) then return 'illegal' end
    end
    redis.call('SET', P .. 'unique:' .. t.unique_key, id)
  end
  set_state(t, 'queued')
  redis.call('ZREM', P .. 'finished', id)
  redis.call('HSET', tkey(id), 'state', 'queued', 'attempts', 0, 'run_at', now,
    'cancel_requested', 0, 'progress', 0, 'progress_message', '')
  redis.call('HDEL', tkey(id), 'finished_at', 'result')
  t.run_at = now
  make_ready(t, now)
  return 'done'
end

local function purge(before)
  local old = redis.call('ZRANGEBYSCORE', P .. 'finished', '-inf', '(' .. before, 'LIMIT', 0, 5000)
  for _, id in ipairs(old) do
    local t = load(id)
    if t then count(t, t.state, -1) end
    redis.call('DEL', tkey(id), P .. 'children:' .. id, P .. 'parents:' .. id, P .. 'errors:' .. id)
    redis.call('ZREM', P .. 'all', id)
    redis.call('ZREM', P .. 'finished', id)
  end
  return #old
end

-- ARGV: fire now 1 <one enqueue spec> name fire_at
local function fire(now)
  local name, fire_at, id = ARGV[#ARGV - 1], ARGV[#ARGV], ARGV[4]
  if redis.call('HSETNX', P .. 'firings:' .. name, fire_at, id) == 0 then return 0 end
  redis.call('ZADD', P .. 'firing_times:' .. name, fire_at, fire_at)
  local result = enqueue(now, 1)
  if type(result) == 'table' and result.err then return result end
  return 1
end

local function progress(now)
  local t = load(ARGV[3])
  if t and t.state == 'running' and t.token == tonumber(ARGV[4]) then
    redis.call('HSET', tkey(t.id), 'progress', ARGV[5], 'progress_message', ARGV[6])
  end
  return 0
end

local now = tonumber(ARGV[2])
local operations = {
  enqueue = function() return enqueue(now, tonumber(ARGV[3])) end,
  exchange = function() return exchange(now) end,
  extend = function() return extend(now) end,
  reclaim = function() return reclaim(now) end,
  cancel = function() return cancel(now, ARGV[3]) end,
  retry = function() return retry(now, ARGV[3]) end,
  purge = function() return purge(now) end,
  fire = function() return fire(now) end,
  progress = function() return progress(now) end,
}
local operation = operations[op]
if not operation then return redis.error_reply('unknown operation ' .. tostring(op)) end
local result = operation()
flush_counts()
flush_deferred()
trim_streams()
if made_ready then redis.call('PUBLISH', P .. 'wake', op) end
return result
