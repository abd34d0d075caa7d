/** Every route a call record can carry is documented wherever reports and stats list routes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../../src/cli/commands/report.js';
import type { FinalRoute } from '../../../src/screening/types.js';

/** A call rings, goes to voicemail, is rejected, or the caller hangs up; in AMI mode a call chut lost track of during
 * the dialplan's captcha is recorded `captcha` (src/ami/screening.ts: its fallback when no outcome or route came). */
const ROUTES = ['ring', 'voicemail', 'reject', 'hung-up'] as const satisfies ReadonlyArray<Exclude<FinalRoute, 'captcha'>>;
const ALL_ROUTES: ReadonlyArray<FinalRoute> = [...ROUTES, 'captcha'];
const read = (path: string) => readFileSync(join(process.cwd(), path), 'utf8');

describe('recorded routes', () => {
  it('are listed in docs/redis-schema.md\'s route:<route> counter, the README and chut report --help, hung-up included', () => {
    const schemaLine = read('docs/redis-schema.md').split('\n').find((l) => l.startsWith('| `route:<route>`')) ?? '';
    for (const route of ROUTES) expect(schemaLine, route).toContain(`\`${route}\``);
    const readme = read('README.md');
    expect(readme).toMatch(/a route is `ring`, `voicemail`, `reject`, or `hung-up`: the caller hung up before the route was taken/);
    expect(reportCommand.help).toMatch(/ring, voicemail, reject, or hung-up \(the caller hung up before the\s+route was taken/);
  });

  it('include the AMI-only `captcha` (chut lost track of the call during the dialplan\'s captcha) where reports and the schema list them', () => {
    const schemaLine = read('docs/redis-schema.md').split('\n').find((l) => l.startsWith('| `route:<route>`')) ?? '';
    const reportReadme = read('src/report/README.md');
    for (const route of ALL_ROUTES) expect(reportReadme, route).toContain(`\`${route}\``);
    expect(schemaLine).toMatch(/AMI only, `captcha`: /);
    expect(reportReadme).toMatch(/AMI only, `captcha`: /);
    expect(reportCommand.help).toMatch(/AMI only, captcha: /);
  });
});
