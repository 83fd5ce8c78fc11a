package leaderboard

import "github.com/redis/go-redis/v9"

// scripts are the Lua scripts of a Board, run with EVALSHA (go-redis falls
// back to EVAL and caches the script when Redis answers NOSCRIPT).
type scripts struct {
	record, remove, begin, refresh, put, drain, swap, abort, del, standing *redis.Script
}

func newScripts() scripts {
	return scripts{
		record:   redis.NewScript(recordLua),
		remove:   redis.NewScript(removeLua),
		begin:    redis.NewScript(beginLua),
		refresh:  redis.NewScript(refreshLua),
		put:      redis.NewScript(putLua),
		drain:    redis.NewScript(drainLua),
		swap:     redis.NewScript(swapLua),
		abort:    redis.NewScript(abortLua),
		del:      redis.NewScript(deleteLua),
		standing: redis.NewScript(standingLua),
	}
}

// Every script takes the round's base key (<prefix>lb:{rN}) as KEYS[1] and
// derives the round's other keys from it. They all share the base's hash
// tag, so in Redis Cluster they live in the base's slot and the script runs
// on the node that owns it.
//
// Scripts never pass a Lua number to a Redis command: Lua formats numbers
// with 14 significant digits, which would round scores above 10^14. Scores
// travel as the strings Go formatted, and Lua numbers are only used to
// compare (integers below 2^53 are exact in Lua's doubles).

// luaLib is shared by the scripts that write entries.
const luaLib = `
-- above reports whether (s1, m1) ranks above (s2, m2): higher score, then
-- the member's bytes, compared as Redis does (bytewise, longer wins on a
-- common prefix). string comparison in Lua follows the locale, hence bytes.
local function above(s1, m1, s2, m2)
  if s1 ~= s2 then return s1 > s2 end
  local n = math.min(#m1, #m2)
  for i = 1, n do
    local a, b = string.byte(m1, i), string.byte(m2, i)
    if a ~= b then return a > b end
  end
  return #m1 > #m2
end

-- tblen is the length of the tiebreak at the start of a mapping value.
local function tblen(v)
  if #v < 5 then return -1 end
  local n = 255 - string.byte(v, 4)
  if n < 1 or n > 8 or #v < 4 + n then return -1 end
  return 4 + n
end

-- drop removes a participant's entry from the board rooted at t.
local function drop(t, pid, bucket, field)
  local mkey = t .. ':p:' .. bucket
  local old = redis.call('HGET', mkey, field)
  if not old then return 0 end
  local k = tblen(old)
  if k > 0 then
    local om = string.sub(old, 1, k) .. pid
    local ounit = string.sub(old, k + 1)
    redis.call('ZREM', t, om)
    if ounit ~= '0' and ounit ~= '' then redis.call('ZREM', t .. ':u:' .. ounit, om) end
  end
  redis.call('HDEL', mkey, field)
  return 1
end

-- put records an entry in the board rooted at t unless the participant
-- already has one ranking at least as high. It returns 1 when it changed
-- the board (else 0), and the participant's member on the board after it.
-- reg collects registry suffixes to add in one go, by register (nil: add
-- at once).
local function put(t, scorestr, tb, pid, unit, bucket, field, reg)
  local score = tonumber(scorestr)
  local member = tb .. pid
  local mkey = t .. ':p:' .. bucket
  local old = redis.call('HGET', mkey, field)
  if old then
    local k = tblen(old)
    if k > 0 then
      local om = string.sub(old, 1, k) .. pid
      local ounit = string.sub(old, k + 1)
      local osc = redis.call('ZSCORE', t, om)
      if osc then
        if not above(score, member, tonumber(osc), om) then return 0, om end
        redis.call('ZREM', t, om)
      end
      if ounit ~= '0' and ounit ~= '' then redis.call('ZREM', t .. ':u:' .. ounit, om) end
    end
  end
  redis.call('ZADD', t, scorestr, member)
  redis.call('HSET', mkey, field, tb .. unit)
  local ps = ':p:' .. bucket
  if reg then reg[ps] = true else redis.call('SADD', t .. ':keys', ps) end
  if unit ~= '0' then
    local us = ':u:' .. unit
    redis.call('ZADD', t .. us, scorestr, member)
    if reg then reg[us] = true else redis.call('SADD', t .. ':keys', us) end
  end
  return 1, member
end

-- register adds the registry suffixes put collected in reg, in one SADD.
local function register(t, reg)
  local s = {}
  for suffix in pairs(reg) do s[#s + 1] = suffix end
  if #s > 0 then redis.call('SADD', t .. ':keys', unpack(s)) end
end

-- apply replays one journal item (6 list elements from index i) on the
-- board rooted at t: a Record, or a Remove when the first element is "-".
local function apply(t, items, i)
  if items[i] == '-' then
    drop(t, items[i + 2], items[i + 4], items[i + 5])
  else
    put(t, items[i], items[i + 1], items[i + 2], items[i + 3], items[i + 4], items[i + 5], nil)
  end
end

-- clear deletes a board rooted at t: the keys its registry lists, itself
-- and its registry.
local function clear(t)
  for _, s in ipairs(redis.call('SMEMBERS', t .. ':keys')) do redis.call('UNLINK', t .. s) end
  redis.call('UNLINK', t, t .. ':keys')
end
`

// recordLua: ARGV[1] "1" to return places, then entries of 6 ARGV each:
// score, tiebreak, pid, unit, bucket, field. Writes them to the live board
// when it is intact, and while a rebuild runs also appends them to the
// rebuild's journal, which the rebuild replays on the board it built
// before swapping it in: a submit during a rebuild is not lost. Returns -1
// when the board is lost and no rebuild runs (nothing written); else
// {changed} or, with places, {changed, total, rank0 of each entry's
// participant after all are recorded}: total and ranks are -1 while the
// board is not live.
const recordLua = luaLib + `
local b = KEYS[1]
local live = redis.call('EXISTS', b .. ':ok') == 1
local building = redis.call('EXISTS', b .. ':building') == 1
if not live and not building then return -1 end
local changed = 0
-- cur: each participant's member once all entries are recorded, for the
-- places (a group's entries share a few registry suffixes: added once)
local cur, reg = {}, {}
if live then
  for i = 2, #ARGV, 6 do
    local c, m = put(b, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], reg)
    changed = changed + c
    cur[ARGV[i + 2]] = m
  end
  register(b, reg)
end
if building then redis.call('RPUSH', b .. ':journal', unpack(ARGV, 2)) end
if ARGV[1] ~= '1' then return {changed} end
if not live then
  local out = {changed, -1}
  for i = 2, #ARGV, 6 do out[#out + 1] = -1 end
  return out
end
local out = {changed, redis.call('ZCARD', b)}
for i = 2, #ARGV, 6 do
  local m = cur[ARGV[i + 2]]
  out[#out + 1] = m and redis.call('ZREVRANK', b, m) or -1
end
return out
`

// removeLua: ARGV pid, bucket, field. Journalled like a Record, so that the
// rebuild applies it after loading its (older) snapshot.
const removeLua = luaLib + `
local b = KEYS[1]
local live = redis.call('EXISTS', b .. ':ok') == 1
local building = redis.call('EXISTS', b .. ':building') == 1
if not live and not building then return -1 end
local n = 0
if live then n = drop(b, ARGV[1], ARGV[2], ARGV[3]) end
if building then
  redis.call('RPUSH', b .. ':journal', '-', '', ARGV[1], '', ARGV[2], ARGV[3])
end
return n
`

// beginLua: ARGV token, lock ms. Takes the rebuild lock, clears what
// rebuilds that died left behind (their boards are listed in :tmps) and
// starts an empty journal. Returns 1, or 0 when another rebuild runs.
const beginLua = luaLib + `
local b = KEYS[1]
if not redis.call('SET', b .. ':building', ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
for _, old in ipairs(redis.call('SMEMBERS', b .. ':tmps')) do clear(b .. ':tmp:' .. old) end
redis.call('UNLINK', b .. ':tmps', b .. ':journal')
redis.call('SADD', b .. ':tmps', ARGV[1])
return 1
`

// refreshLua: ARGV token, lock ms. Extends the lock while it is ours.
const refreshLua = `
if redis.call('GET', KEYS[1] .. ':building') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1] .. ':building', ARGV[2])
return 1
`

// putLua: ARGV token, then an entry as in recordLua. Puts an entry on the
// board being built the careful way, for a participant the bulk load found
// already there (the source yielded them twice).
const putLua = luaLib + `
local changed = put(KEYS[1] .. ':tmp:' .. ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], nil)
return changed
`

// drainLua: ARGV token, count. Replays up to count journal items on the
// board being built; returns the items left, or -1 if the lock is lost.
const drainLua = luaLib + `
local b = KEYS[1]
if redis.call('GET', b .. ':building') ~= ARGV[1] then return -1 end
local t = b .. ':tmp:' .. ARGV[1]
local items = redis.call('LPOP', b .. ':journal', tonumber(ARGV[2]) * 6)
if items then
  for i = 1, #items, 6 do apply(t, items, i) end
end
return redis.call('LLEN', b .. ':journal') / 6
`

// swapLua: ARGV token, marker value. Replays what is left of the journal,
// replaces the live keys by the built ones in one atomic step (readers see
// the old board or the new, never a half-built one) and sets the marker.
// Old values are UNLINKed so that freeing a million-member set happens off
// Redis's main thread. Returns 1, or 0 when the lock was lost.
const swapLua = luaLib + `
local b = KEYS[1]
if redis.call('GET', b .. ':building') ~= ARGV[1] then return 0 end
local t = b .. ':tmp:' .. ARGV[1]
local items = redis.call('LRANGE', b .. ':journal', 0, -1)
for i = 1, #items, 6 do apply(t, items, i) end
local new = {}
for _, s in ipairs(redis.call('SMEMBERS', t .. ':keys')) do new[s] = true end
for _, s in ipairs(redis.call('SMEMBERS', b .. ':keys')) do
  if not new[s] then redis.call('UNLINK', b .. s) end
end
for s in pairs(new) do
  redis.call('UNLINK', b .. s)
  if redis.call('EXISTS', t .. s) == 1 then redis.call('RENAME', t .. s, b .. s) end
end
redis.call('UNLINK', b, b .. ':keys', b .. ':journal')
if redis.call('EXISTS', t) == 1 then redis.call('RENAME', t, b) end
if redis.call('EXISTS', t .. ':keys') == 1 then redis.call('RENAME', t .. ':keys', b .. ':keys') end
redis.call('SREM', b .. ':tmps', ARGV[1])
redis.call('SET', b .. ':ok', ARGV[2])
redis.call('DEL', b .. ':building')
return 1
`

// abortLua: ARGV token. Gives up a rebuild: clears the board it built and,
// if the lock is still its own, releases it and drops the journal.
const abortLua = luaLib + `
local b = KEYS[1]
clear(b .. ':tmp:' .. ARGV[1])
redis.call('SREM', b .. ':tmps', ARGV[1])
if redis.call('GET', b .. ':building') == ARGV[1] then
  redis.call('UNLINK', b .. ':building', b .. ':journal')
end
return 1
`

// deleteLua drops every key of a round, live and being built.
const deleteLua = luaLib + `
local b = KEYS[1]
clear(b)
for _, old in ipairs(redis.call('SMEMBERS', b .. ':tmps')) do clear(b .. ':tmp:' .. old) end
redis.call('UNLINK', b .. ':ok', b .. ':building', b .. ':journal', b .. ':tmps')
return 1
`

// standingLua: ARGV pid, bucket, field. Returns -1 when the board is
// lost, {total} when the participant has no entry, else {total, rank0,
// score, member, unit, unit rank0 (-1 without unit), unit total}.
const standingLua = luaLib + `
local b = KEYS[1]
if redis.call('EXISTS', b .. ':ok') == 0 then return -1 end
local total = redis.call('ZCARD', b)
local old = redis.call('HGET', b .. ':p:' .. ARGV[2], ARGV[3])
if not old then return {total} end
local k = tblen(old)
if k < 0 then return {total} end
local m = string.sub(old, 1, k) .. ARGV[1]
local unit = string.sub(old, k + 1)
local r = redis.call('ZREVRANK', b, m)
if not r then return {total} end
local s = redis.call('ZSCORE', b, m)
local ur, ut = -1, 0
if unit ~= '0' and unit ~= '' then
  local uk = b .. ':u:' .. unit
  ur = redis.call('ZREVRANK', uk, m)
  if not ur then ur = -1 end
  ut = redis.call('ZCARD', uk)
end
return {total, r, s, m, unit, ur, ut}
`
