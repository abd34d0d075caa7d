/**
 * A rate-window member: unique per call across every chut instance sharing the Redis, and short, so a burst's
 * sorted set stays small. A random tag drawn once per process plus a counter avoids a CSPRNG call per call.
 */
import { randomBytes } from 'node:crypto';

const instanceTag = randomBytes(3).toString('hex');
let counter = 0;

export function windowMember(time: number): string {
  counter = (counter + 1) % 1_679_616; // 36^4: four base-36 digits
  return `${Math.floor(time).toString(36)}${instanceTag}${counter.toString(36)}`;
}
