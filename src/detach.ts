/**
 * A copy of `s` that shares no memory with the string it was cut from.
 *
 * V8 keeps a substring of 13 or more characters as a slice of its parent, and the slice keeps the whole parent
 * alive. A call id or caller number cut from a 4 KB Event Socket frame (or a 64 KB AMI read) and then kept in
 * a cache would pin that frame for as long as the entry lives: tens of megabytes under a robocall campaign, and
 * long garbage-collection pauses on the call path. The places that keep strings beyond a call (caches, maps of
 * followed calls) copy them through here, and so does an AMI ChutQuery, whose fields a call waiting on the dialplan
 * (hours, when its captcha outcome is lost) or a record kept through a Redis outage hold; values that live only as
 * long as a short call need not.
 */
export function detach(s: string): string {
  // Concatenation makes a new string; slicing it copies into a flat string of s.length + 1 characters at most.
  return s.length < 13 ? s : (` ${s}`).slice(1);
}
