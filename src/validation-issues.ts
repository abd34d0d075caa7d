/**
 * One way to say where a config or policy file is wrong: `rules[3].when.rate.within: …`, `redis.sentinel.hosts[0].port: …`,
 * an unknown key named on its own line, a missing value said as "is required" rather than zod's wording.
 */
import type { z } from 'zod';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key`);
  }
  const message = /received undefined$/.test(issue.message) ? 'is required' : issue.message;
  return [`${formatPath(issue.path)}: ${message}`];
}
