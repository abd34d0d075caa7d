/** Every route a call record can carry is documented wherever reports and stats list routes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../../src/cli/commands/report.js';
import type { FinalRoute } from '../../../src/screening/types.js';

/** A captcha is never where a call ends: it rings, goes to voicemail, is rejected, or the caller hangs up. */
const ROUTES = ['ring', 'voicemail', 'reject', 'hung-up'] as const satisfies ReadonlyArray<Exclude<FinalRoute, 'captcha'>>;
const read = (path: string) => readFileSync(join(process.cwd(), path), 'utf8');

describe('recorded routes', () => {
  it('are listed in docs/redis-schema.md\'s route:<route> counter, the README and chut report --help, hung-up included', () => {
    const schemaLine = read('docs/redis-schema.md').split('\n').find((l) => l.startsWith('| `route:<route>`')) ?? '';
    for (const route of ROUTES) expect(schemaLine, route).toContain(`\`${route}\``);
    const readme = read('README.md');
    expect(readme).toMatch(/a route is `ring`, `voicemail`, `reject`, or `hung-up`: the caller hung up before the route was taken/);
    expect(reportCommand.help).toMatch(/ring, voicemail, reject, or hung-up \(the caller hung up before the\s+route was taken/);
  });
});
