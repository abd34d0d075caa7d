/** Which of Redis's replies no retry will clear (chut's own command or script is wrong, or the data it met under its
 * prefix): the replies as Redis 7 and Redis 6.2 send them, taken from real servers. */
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isUnretryableReply } from '../../src/redis-errors.js';

/** Redis 7's report of where an error in a script came from. */
const IN_SCRIPT_7 = ' script: 11a99c373546e335a8806632b9bf7a4eacdc2333, on @user_script:1.';
/** Redis 6.2's wrapping of the same. */
const IN_SCRIPT_6 = 'ERR Error running script (call to f_11a99c373546e335a8806632b9bf7a4eacdc2333): @user_script:1: ';

const reply = (message: string): Error => new ReplyError(message);

/** An EXECABORT as ioredis raises it: the replies that made Redis discard the MULTI attached. */
function execAbort(...previous: Error[]): Error {
  return Object.assign(reply('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: previous });
}

describe('isUnretryableReply', () => {
  it.each([
    // a key of the wrong type, outside a script and inside one (redis.call's reply keeps its code in Redis 7)
    ['WRONGTYPE Operation against a key holding the wrong kind of value'],
    [`WRONGTYPE Operation against a key holding the wrong kind of value${IN_SCRIPT_7}`],
    [`${IN_SCRIPT_6}WRONGTYPE Operation against a key holding the wrong kind of value`],
    // a Lua runtime error in one of chut's scripts
    [`ERR user_script:1: attempt to index local 't' (a nil value)${IN_SCRIPT_7}`],
    [`ERR user_script:1: Script attempted to access nonexistent global variable 'x'${IN_SCRIPT_7}`],
    [`${IN_SCRIPT_6}user_script:1: attempt to perform arithmetic on a nil value`],
    // a command a script called wrongly, or on a value it cannot use
    [`ERR Wrong number of args calling Redis command from script${IN_SCRIPT_7}`],
    [`ERR Unknown Redis command called from script${IN_SCRIPT_7}`],
    [`ERR hash value is not an integer${IN_SCRIPT_7}`],
    [`${IN_SCRIPT_6}@user_script: 1: Unknown Redis command called from Lua script`],
    // a command sent wrongly, or on a value it cannot use, outside a script
    ["ERR wrong number of arguments for 'hset' command"],
    ['ERR syntax error'],
    ['ERR value is not an integer or out of range'],
    ['ERR value is not a valid float'],
    ['ERR hash value is not an integer'],
    ['ERR increment or decrement would overflow'],
    ['ERR min or max is not a float'],
    ['ERR Invalid stream ID specified as stream command argument'],
  ])('%s: not retryable', (message) => {
    expect(isUnretryableReply(reply(message))).toBe(true);
  });

  it.each([
    // Redis not ready, or refusing for now: what an outage, a failover, a full memory or disk look like
    ['LOADING Redis is loading the dataset in memory'],
    ['BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'],
    ["MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."],
    ["OOM command not allowed when used memory > 'maxmemory'."],
    ["READONLY You can't write against a read only replica."],
    ['MISCONF Redis is configured to save RDB snapshots, but it\'s currently unable to persist to disk.'],
    ['NOREPLICAS Not enough good replicas to write.'],
    ['TRYAGAIN Multiple keys request during rehashing of slot'],
    ['CLUSTERDOWN The cluster is down'],
    // credentials or permissions: the operator's to fix, not chut's
    ['NOAUTH Authentication required.'],
    ['WRONGPASS invalid username-password pair or user is disabled.'],
    ["NOPERM this user has no permissions to run the 'hset' command"],
    // the same refusals met by a command inside a script (Redis 7 keeps the code; 6.2 wraps it)
    [`OOM command not allowed when used memory > 'maxmemory'.${IN_SCRIPT_7}`],
    [`READONLY You can't write against a read only replica.${IN_SCRIPT_7}`],
    [`${IN_SCRIPT_6}@user_script: 1: -OOM command not allowed when used memory > 'maxmemory'.`],
    [`${IN_SCRIPT_6}@user_script: 1: -READONLY You can't write against a read only replica.`],
    // a script an operator stopped with SCRIPT KILL (it had written nothing): running it again may well pass
    [`ERR Script killed by user with SCRIPT KILL...${IN_SCRIPT_7}`],
    [`${IN_SCRIPT_6}Script killed by user with SCRIPT KILL...`],
    // the server's state or set-up rather than chut's command: too many clients, a command renamed or disabled
    ['ERR max number of clients reached'],
    ["ERR unknown command 'XAUTOCLAIM', with args beginning with: "],
    ['NOSCRIPT No matching script. Please use EVAL.'],
  ])('%s: retryable, or at least the store\'s', (message) => {
    expect(isUnretryableReply(reply(message))).toBe(false);
  });

  it('an EXECABORT is what the replies that aborted it are', () => {
    expect(isUnretryableReply(execAbort(reply("ERR wrong number of arguments for 'hset' command")))).toBe(true);
    expect(isUnretryableReply(execAbort(reply("OOM command not allowed when used memory > 'maxmemory'.")))).toBe(false);
    // a refusal for now beside a command sent wrongly: once Redis takes writes again, the retry meets the same bug
    expect(isUnretryableReply(execAbort(reply("OOM command not allowed when used memory > 'maxmemory'."), reply('ERR syntax error')))).toBe(true);
    expect(isUnretryableReply(execAbort())).toBe(false);
    // a MULTI whose connection was lost lists its own error among its previous ones
    const lost = execAbort();
    (lost as Error & { previousErrors: Error[] }).previousErrors.push(lost);
    expect(isUnretryableReply(lost)).toBe(false);
  });

  it('only Redis\'s replies: not chut\'s own errors, nor the connection\'s, whatever their text', () => {
    expect(isUnretryableReply(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isUnretryableReply(new TypeError('ERR syntax error'))).toBe(false);
    expect(isUnretryableReply(new Error('Command timed out'))).toBe(false);
    expect(isUnretryableReply(Object.assign(new Error('read ECONNRESET'), { syscall: 'read' }))).toBe(false);
    expect(isUnretryableReply('WRONGTYPE Operation against a key holding the wrong kind of value')).toBe(false);
    expect(isUnretryableReply(undefined)).toBe(false);
  });
});
