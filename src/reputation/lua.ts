/**
 * Lua scripts, registered with ioredis `defineCommand` (EVALSHA, with ioredis's NOSCRIPT fallback). Every key
 * is computed in TypeScript and passed as KEYS. Missing values come back as '' (not false/nil) so the reply
 * shape is the same under RESP2 and RESP3.
 */
import { MAX_HOLD_MS } from './score.js';

/** Decodes the source and reason ids of a bucket value; mirrors records.ts packValue/unpackValue. */
const IDS = `
local function ids(v)
  local n = tonumber(v)
  if n then return math.floor(n / 32768) % 64, math.floor(n / 2097152) end
  local s, r = string.match(v, '^[^:]*:[^:]*:(%d+):(%d+)$')
  return tonumber(s) or 0, tonumber(r) or 0
end
local function withTexts(v)
  if not v then return '' end
  local s, r = ids(v)
  local st = (s > 0 and redis.call('HGET', KEYS[5], s)) or ''
  local rt = (r > 0 and redis.call('HGET', KEYS[6], r)) or ''
  return {v, st, rt}
end
`;

/**
 * One call's facts in one round trip.
 * KEYS: 1 allow bucket, 2 block bucket, 3 allow prefixes, 4 block prefixes, 5 source texts, 6 reason texts,
 *       7 reputation hash, 8 number window zset, 9 block window zset.
 * ARGV: 1 bucket field, 2 now, 3 window count W, 4 count-this-call member ('' = read only), 5 its window ms,
 *       6 the number's digits (E.164 without '+'), 7..6+W window starts (exclusive).
 * The prefix fields (every leading run of the digits, longest first) are built here rather than sent: fewer
 * arguments to encode and parse on every call.
 * Returns: { allow, block, {allow prefix hits}, {block prefix hits}, reputation HGETALL, {number counts}, {block counts},
 * refusal } where an exact hit is '' or {packed value, source text, reason text}, and prefix hits are only the fields
 * that exist, flat: {prefix length, packed value, source text, reason text, …}. Counts are read BEFORE this call
 * is added.
 *
 * Counting the call is the script's only write, and Redis may refuse it: `OOM command not allowed` (maxmemory reached
 * under noeviction), `READONLY` (the server became a replica), `MISCONF` (it cannot save to disk) or `NOREPLICAS`
 * (too few replicas for its min-replicas-to-write). Run with redis.call, that refusal would fail the
 * whole script and throw away the facts it read: a blocklisted caller would ring unscreened for as long as Redis
 * refuses writes. So the writes use redis.pcall, and the first error is returned as `refusal` ('' when the call was
 * counted, or not asked to be): the call is screened from what Redis holds, uncounted, and the store reports it
 * (LookupResult.uncounted: the call's record counts it, at the call's time, once Redis takes writes again).
 * The script must stay a flagless one (no `#!lua` shebang): Redis 7 refuses a flagged script (without `allow-oom`)
 * outright under OOM, while a flagless one runs and only its write commands are refused.
 */
export const LOOKUP_LUA = `${IDS}
local field, now, w = ARGV[1], ARGV[2], tonumber(ARGV[3])
local member, windowMs, digits = ARGV[4], tonumber(ARGV[5]), ARGV[6]
local prefixes = {}
for len = #digits, 1, -1 do prefixes[#prefixes + 1] = string.sub(digits, 1, len) end
local function hits(key)
  local out = {}
  if #prefixes == 0 then return out end
  local vals = redis.call('HMGET', key, unpack(prefixes))
  for i = 1, #prefixes do
    if vals[i] then
      local hit = withTexts(vals[i])
      out[#out + 1] = #prefixes[i]
      out[#out + 1] = hit[1]
      out[#out + 1] = hit[2]
      out[#out + 1] = hit[3]
    end
  end
  return out
end
local function counts(key)
  local out = {}
  for i = 1, w do out[i] = redis.call('ZCOUNT', key, '(' .. ARGV[6 + i], now) end
  return out
end
local reply = {
  withTexts(redis.call('HGET', KEYS[1], field)),
  withTexts(redis.call('HGET', KEYS[2], field)),
  hits(KEYS[3]), hits(KEYS[4]),
  redis.call('HGETALL', KEYS[7]),
  counts(KEYS[8]), counts(KEYS[9])
}
local refusal = ''
if member ~= '' and windowMs > 0 then
  for i = 8, 9 do
    local added = redis.pcall('ZADD', KEYS[i], now, member)
    if type(added) == 'table' and added.err then
      refusal = added.err
      break
    end
    redis.pcall('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. (tonumber(now) - windowMs))
    redis.pcall('PEXPIRE', KEYS[i], windowMs)
  end
end
reply[8] = refusal
return reply`;

/**
 * Decay + delta + clamp, atomically, mirroring score.ts exactly (same operations, same rounding; a stored score
 * that is not a finite number counts as 0, as in cleanStoredScore; the decay start as in decayStart).
 * KEYS: 1 reputation hash. ARGV: 1 now, 2 delta, 3 half-life ms, 4 counter field or '', 5 trust: keep|clear|set,
 * 6 trusted-until ms, 7 TTL ms, 8 '1' to reset the spam-report count, 9 hold-until ms (0: none),
 * 10 a user report applied once within ARGV[11] ms: 's' (spam) or 'a' (allow), '' for other outcomes, 11 that window.
 * Returns the new score as a string. A report of the kind last applied less than ARGV[11] ms ago (field `rs` or `ra`,
 * its time) writes nothing and returns the score as it is: pressing `*77` twice counts once.
 */
export const OUTCOME_LUA = `
local function round6(x) return math.floor(x * 1e6 + 0.5) / 1e6 end
local now, hl = tonumber(ARGV[1]), tonumber(ARGV[3])
local s = tonumber(redis.call('HGET', KEYS[1], 's')) or 0
if s ~= s or s == math.huge or s == -math.huge then s = 0 elseif s < 0 then s = 0 elseif s > 100 then s = 100 end
local t = tonumber(redis.call('HGET', KEYS[1], 'st'))
if t then
  local el = now - t
  if el > 0 and hl > 0 then s = round6(s * 0.5 ^ (el / hl)) end
end
local rk, within = ARGV[10] or '', tonumber(ARGV[11]) or 0
if rk ~= '' and within > 0 then
  local last = tonumber(redis.call('HGET', KEYS[1], 'r' .. rk))
  if last and now >= last and now - last < within then return string.format('%.17g', s) end
end
s = s + (tonumber(ARGV[2]) or 0)
if s < 0 then s = 0 elseif s > 100 then s = 100 end
s = round6(s)
local str = string.format('%.17g', s)
local start = now
local heldAtMost = now + ${MAX_HOLD_MS}
local hold = tonumber(ARGV[9]) or 0
if hold > start then start = math.min(hold, heldAtMost) end
if t and t > start and t <= heldAtMost then start = t end
redis.call('HSET', KEYS[1], 's', str, 'st', string.format('%.0f', start), 'hl', ARGV[3])
if ARGV[4] ~= '' then redis.call('HINCRBY', KEYS[1], ARGV[4], 1) end
if ARGV[5] == 'clear' then redis.call('HDEL', KEYS[1], 'tu') elseif ARGV[5] == 'set' then redis.call('HSET', KEYS[1], 'tu', ARGV[6]) end
if ARGV[8] == '1' then redis.call('HDEL', KEYS[1], 'rp') end
if rk ~= '' then
  redis.call('HSET', KEYS[1], 'r' .. rk, ARGV[1])
  redis.call('HDEL', KEYS[1], rk == 's' and 'ra' or 'rs')
end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return str`;

/**
 * Interns texts (sources, reasons) into small ids, atomically across instances.
 * KEYS: 1 id → text hash, 2 text → id hash. ARGV: texts. Returns their ids in order.
 */
export const INTERN_LUA = `
local out = {}
for i = 1, #ARGV do
  local id = redis.call('HGET', KEYS[2], ARGV[i])
  if not id then
    id = redis.call('HLEN', KEYS[1]) + 1
    redis.call('HSET', KEYS[1], id, ARGV[i])
    redis.call('HSET', KEYS[2], ARGV[i], id)
  end
  out[i] = tonumber(id)
end
return out`;

/**
 * Adds a list entry unless the same number or prefix is listed already (on either list, not expired): one caller
 * wins when several try at once. KEYS: 1 its slot in the list it goes to, 2 its slot in the other list, 3 the index of
 * expiring entries. ARGV: 1 field, 2 packed value, 3 now, 4 its index member, 5 its expiry ('' for none). Returns 1 if
 * added. An expiry lives only in the long value form (`added:expires:source:reason`, records.ts); the compact integer
 * form never expires. The index is written with the entry (ZADD LT: a member's score is never later than its entry's
 * expiry, see PRUNE_LUA).
 */
export const ADD_IF_UNLISTED_LUA = `
local now = tonumber(ARGV[3])
for i = 1, 2 do
  local v = redis.call('HGET', KEYS[i], ARGV[1])
  if v then
    local expires = tonumber(string.match(v, '^%d+:(%d*):'))
    if not expires or expires > now then return 0 end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[5] ~= '' then redis.call('ZADD', KEYS[3], 'LT', ARGV[5], ARGV[4]) else redis.call('ZREM', KEYS[3], ARGV[4]) end
return 1`;

/** Entries restored per UNDO_IMPORT_LUA call at most. */
export const UNDO_IMPORT_BATCH = 100;

/**
 * Undoes what an import wrote, entry by entry, only where the entry still holds the import's value: a `chut block`,
 * `unlist` or an API edit made while the import ran is the user's latest word and stays (an unlisted entry is not
 * brought back, nor a new one overwritten). KEYS: 1 the index of expiring entries, then one key per entry (its bucket
 * or prefix hash). ARGV: per entry its field, the value the import wrote, the value before ('' when absent) and its
 * index member. An entry restored gets its member as any write does (ZADD LT with the old expiry, else ZREM); an
 * entry left alone keeps the member its editor wrote. Read and written in one atomic step, so no edit lands between
 * the check and the restore. Returns how many entries were restored. Callers send at most UNDO_IMPORT_BATCH entries a
 * call (about 300 commands, as PRUNE_LUA): a lookup waits behind a script.
 */
export const UNDO_IMPORT_LUA = `
local restored = 0
for i = 2, #KEYS do
  local field, wrote, old, member = ARGV[4 * i - 7], ARGV[4 * i - 6], ARGV[4 * i - 5], ARGV[4 * i - 4]
  if redis.pcall('HGET', KEYS[i], field) == wrote then
    if old == '' then redis.call('HDEL', KEYS[i], field) else redis.call('HSET', KEYS[i], field, old) end
    local expires = string.match(old, '^%d+:(%d+):')
    if expires then redis.call('ZADD', KEYS[1], 'LT', expires, member) else redis.call('ZREM', KEYS[1], member) end
    restored = restored + 1
  end
end
return restored`;

/** Entries checked per PRUNE_LUA call at most. */
export const PRUNE_BATCH = 100;

/**
 * Removes list entries that expired at or before a cutoff, each checked as it is now: the index (`expiring`, or a scan
 * of the lists) only says where to look. KEYS: 1 the index of expiring entries, then one key per entry (its bucket or
 * prefix hash). ARGV: 1 cutoff (epoch ms), 2 '1' for a dry run (nothing written), then per entry its field and its
 * index member. Returns, per entry, 1 if it was (dry run: would be) removed, else 0.
 *
 * An entry expired at or before the cutoff goes, with its member. One whose expiry is later (extended, or re-added,
 * since the index was read) stays, and its member is scored with that expiry, so it is looked at again then. Without
 * an expiry, or gone (or its key no hash: a hand edit), only its member goes. Each entry is read and written in the
 * same atomic step: two sweeps at once remove an entry once, and never one written meanwhile. Callers send at most
 * PRUNE_BATCH entries a call (about 300 commands, well under a millisecond): a lookup waits behind a script.
 */
export const PRUNE_LUA = `
local cutoff, dry = tonumber(ARGV[1]), ARGV[2] == '1'
local out = {}
for i = 2, #KEYS do
  local field, member = ARGV[2 * i - 1], ARGV[2 * i]
  local v = redis.pcall('HGET', KEYS[i], field)
  local expires = type(v) == 'string' and string.match(v, '^%d+:(%d+):')
  out[i - 1] = 0
  if expires and tonumber(expires) <= cutoff then
    out[i - 1] = 1
    if not dry then
      redis.call('HDEL', KEYS[i], field)
      redis.call('ZREM', KEYS[1], member)
    end
  elseif not dry then
    if expires then redis.call('ZADD', KEYS[1], expires, member) else redis.call('ZREM', KEYS[1], member) end
  end
end
return out`;

/**
 * Schema check: writes version + bucket count on first use, returns what is stored. KEYS: 1 schema. ARGV: version,
 * buckets, now. Writes only a field that is missing: a store whose schema is in place must open on a Redis that refuses
 * writes (out of memory, a read-only replica), where the calls can still be screened and `chut export` / `chut unlist`
 * still work. A new prefix also gets `expiring` (now): no chut older than the index of expiring entries wrote there, so
 * the index holds every entry with an expiry, and nobody needs to scan the lists for them (redis-prune.ts).
 */
export const SCHEMA_LUA = `
local stored = redis.call('HMGET', KEYS[1], 'version', 'buckets')
if stored[1] and stored[2] then return stored end
if not stored[1] then
  redis.call('HSETNX', KEYS[1], 'version', ARGV[1])
  redis.call('HSETNX', KEYS[1], 'expiring', ARGV[3])
end
if not stored[2] then redis.call('HSETNX', KEYS[1], 'buckets', ARGV[2]) end
return redis.call('HMGET', KEYS[1], 'version', 'buckets')`;
