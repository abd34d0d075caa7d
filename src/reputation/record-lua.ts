/**
 * The post-call writes as one script: a 25-command pipeline costs the Node process ~25 encodes and replies per
 * call, which under load delays other calls' decisions; one EVALSHA does the same work inside Redis.
 *
 * KEYS: 1 win:number 2 win:block 3 rep 4 top 5 last:any 6 last:<dialled> 7 stats:hour 8 stats:day 9 calls
 *       10 replayed:<record time> 11 lines
 * ARGV: 1 valid(0/1) 2 rang(0/1) 3 hasDialled(0/1) 4 time 5 member 6 windowMs 7 repTtlMs 8 topTtlSec
 *       9 lastTtlSec 10 hourTtlSec 11 dayTtlSec 12 maxLen 13 action 14 record(JSON) 15 caller 16 replayLookBack
 *       17 line (the dialled number as a key part: targetPart)
 *       18.. stat fields (`total` among them: its first increment sets the TTLs of the hour and day hashes)
 * windowMs 0: the call's lookup counted it. Otherwise the call is added to the windows under `member` at `time` (the
 * call's own time, however late the record is written), trimmed and expired as its lookup would have: the lookup
 * failed (it may have counted the call: the same member counts once), or Redis refused to count it.
 * Returns 1, or 0 when the record was already written and nothing is written again:
 * - a replay finds its record in the stream: an earlier attempt was applied after all, its reply lost (the stream
 *   entry is the script's last write, so it is there exactly when every other write of that attempt is);
 * - any attempt finds its record among `replayed:<time>`: a replay of it was applied. A replay marks its record there
 *   (kept REPLAYED_TTL_MS), so that the first attempt, sent before an outage and held in the network (a black-holed
 *   link: the kernel goes on sending a closed socket's data), does not write it twice when it lands after the
 *   replay. The normal path pays one SISMEMBER on a key that does not exist.
 */
import { KNOWN_LINES_CAP, KNOWN_LINES_TTL_SEC, NO_REPORTABLE_CALLER } from './keys.js';
import { TOP_SET_CAP } from './stats.js';
import { DAY_MS, HOUR_MS } from '../time-units.js';

/** A number known only by its calls (first/last seen, no score, outcome or report): spoofed one-off numbers must
 * not each hold a key for a year. Kept as long as the hourly counters. */
export const SEEN_ONLY_REP_MS = 40 * DAY_MS;

/** How long a replayed record is remembered: far longer than a closed socket's data stays in flight (Linux gives up
 * retransmitting it within minutes) or an outage's backlog takes to drain. */
export const REPLAYED_TTL_MS = HOUR_MS;

export const RECORD_LUA = `
if redis.call('SISMEMBER', KEYS[10], ARGV[14]) == 1 then return 0 end
local lookBack = tonumber(ARGV[16])
if lookBack > 0 then
  for _, entry in ipairs(redis.call('XREVRANGE', KEYS[9], '+', '-', 'COUNT', lookBack)) do
    local f = entry[2]
    for j = 1, #f - 1, 2 do
      if f[j] == 'record' and f[j + 1] == ARGV[14] then return 0 end
    end
  end
  redis.call('SADD', KEYS[10], ARGV[14])
  redis.call('PEXPIRE', KEYS[10], ${REPLAYED_TTL_MS})
end
local valid, rang, hasDialled = ARGV[1] == '1', ARGV[2] == '1', ARGV[3] == '1'
local t = tonumber(ARGV[4])
if valid then
  local windowMs = tonumber(ARGV[6])
  if windowMs > 0 then
    for i = 1, 2 do
      redis.call('ZADD', KEYS[i], t, ARGV[5])
      redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. (t - windowMs))
      redis.call('PEXPIRE', KEYS[i], windowMs)
    end
  end
  redis.call('HSETNX', KEYS[3], 'fs', ARGV[4])
  redis.call('HSET', KEYS[3], 'ls', ARGV[4])
  redis.call('PEXPIRE', KEYS[3], redis.call('HLEN', KEYS[3]) > 2 and ARGV[7] or ${SEEN_ONLY_REP_MS})
  redis.call('ZINCRBY', KEYS[4], 1, ARGV[15])
  -- grows by one member at most per call: dropping the lowest-ranked one keeps the day's set at its cap, but
  -- never the caller just counted (a new caller sorting first would otherwise never get in)
  if redis.call('ZCARD', KEYS[4]) > ${TOP_SET_CAP} then
    local low = redis.call('ZRANGE', KEYS[4], 0, 1)
    redis.call('ZREM', KEYS[4], low[1] == ARGV[15] and low[2] or low[1])
  end
  redis.call('EXPIRE', KEYS[4], ARGV[8])
end
if rang then
  -- a withheld or invalid caller who rang is the last caller too: reporting it must not report the one before
  local last = valid and ARGV[15] or '${NO_REPORTABLE_CALLER}'
  redis.call('SET', KEYS[5], last, 'EX', ARGV[9])
  if hasDialled then redis.call('SET', KEYS[6], last, 'EX', ARGV[9]) end
end
if hasDialled then
  -- every call to a line (whatever its route) makes it a known line, whose *77 never falls back to the last caller
  -- to anyone; capped like the top set (a dialled number is caller-controlled), the line just called never dropped
  -- GT: a record replayed after an outage (an older time) must not make a line called since look least recently called
  redis.call('ZADD', KEYS[11], 'GT', t, ARGV[17])
  if redis.call('ZCARD', KEYS[11]) > ${KNOWN_LINES_CAP} then
    local low = redis.call('ZRANGE', KEYS[11], 0, 1)
    redis.call('ZREM', KEYS[11], low[1] == ARGV[17] and low[2] or low[1])
  end
  redis.call('EXPIRE', KEYS[11], ${KNOWN_LINES_TTL_SEC})
end
for i = 18, #ARGV do
  local hour = redis.call('HINCRBY', KEYS[7], ARGV[i], 1)
  local day = redis.call('HINCRBY', KEYS[8], ARGV[i], 1)
  -- The hour's (day's) first call creates its hash and sets its TTL once, rather than every call rewriting it.
  if ARGV[i] == 'total' then
    if hour == 1 then redis.call('EXPIRE', KEYS[7], ARGV[10]) end
    if day == 1 then redis.call('EXPIRE', KEYS[8], ARGV[11]) end
  end
end
redis.call('XADD', KEYS[9], 'MAXLEN', '~', ARGV[12], '*', 'action', ARGV[13], 'record', ARGV[14])
return 1
`;
