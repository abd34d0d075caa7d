import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { loadPolicyFile, parsePolicy, PolicyError } from '../../../src/rules/index.js';
import { oneRule } from './facts.js';
import { policyProblems } from '../../helpers/policy.js';

const problems = (text: string): string[] => policyProblems(text, 'test');

describe('policy validation', () => {
  it('refuses conditions nested deeper than 32 (any/not) with the path, instead of overflowing the stack', () => {
    const nest = (depth: number) => Array.from({ length: depth }).reduce<string>((w) => `{ not: ${w} }`, '{ list: block }');
    const policy = (depth: number) => `version: 1\ndefault: ring\nrules:\n  - name: deep\n    when: ${nest(depth)}\n    action: ring\n`;
    expect(() => parsePolicy(policy(32), 'test')).not.toThrow();
    const found = problems(policy(700)); // zod alone overflowed the stack about here
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^rules\[0\]\.when(\.not){33}: conditions nested more than 32 deep \(any\/not\)$/);
    expect(problems(policy(5000))).toEqual([expect.stringMatching(/^\(yaml\): not valid YAML/)]); // too deep for the YAML reader itself
  });

  it('says the YAML slip behind a value of the wrong kind: an extension unquoted, yes for true', () => {
    const rule = (when: string) => `version: 1\ndefault: ring\nrules:\n  - name: r\n    when: ${when}\n    action: ring\n`;
    expect(problems(rule('{ dialled: [100] }'))).toEqual(['rules[0].when.dialled[0]: must be text: put it in quotes (\'100\'), or YAML reads the digits as a number']);
    expect(problems(rule('{ trusted: yes }'))).toEqual(['rules[0].when.trusted: must be true or false: YAML reads yes as text, not as a switch']);
    expect(() => parsePolicy(rule("{ dialled: ['100'], trusted: true }"), 'test')).not.toThrow();
  });

  it('says plainly what is wrong with days, name patterns and contains', () => {
    const rule = (when: string) => `version: 1\ndefault: ring\nrules:\n  - name: r\n    when: ${when}\n    action: ring\n`;
    // one day or range needs no list
    expect(() => parsePolicy(rule("{ time: { days: mon-fri, from: '10:00', to: '12:00' } }"), 'test')).not.toThrow();
    expect(problems(rule("{ time: { days: monday, from: '10:00', to: '12:00' } }")))
      .toEqual(['rules[0].when.time.days: must be a day (mon … sun) or a range like mon-fri']);
    expect(problems(rule(`{ name: { contains: ${'x'.repeat(32)} } }`))).toEqual(['rules[0].when.name.contains: at most 31 characters (accented and Hangul letters count once per part)']);
    // a regular expression would silently match nothing as a glob
    for (const pattern of ['^ROBO', '(a+)+$', 'robo\\d+', '[A-Z]*', 'ENERGIE|SOLAIRE', '.*ROBOT.*', 'ROBOT.+']) {
      expect(problems(rule(`{ name: { matches: ${JSON.stringify(pattern)} } }`))).toEqual([
        expect.stringMatching(/^rules\[0\]\.when\.name\.matches: looks like a regular expression .* name patterns are globs/),
      ]);
    }
    expect(() => parsePolicy(rule("{ name: { matches: ['Dr. *', 'DR.*', '*(robocall)*', '+33*'] } }"), 'test')).not.toThrow();
    // contains counts folded characters, as matching does: a Hangul syllable is three
    expect(problems(rule("{ name: { contains: ['각각각각각각각각각각각'] } }"))).toEqual(['rules[0].when.name.contains[0]: at most 31 characters (accented and Hangul letters count once per part)']);
    expect(() => parsePolicy(rule("{ name: { contains: ['각각각각각각각각각각'] } }"), 'test')).not.toThrow();
    // contains is plain text: a star there is a literal star, never what the author meant
    expect(problems(rule("{ name: { contains: ['*ROBOT*'] } }"))).toEqual(['rules[0].when.name.contains[0]: takes plain text (a * here is a literal star): for * as any text, use matches, e.g. *ROBOT*']);
    // a national-form DID would never match: the dialled number is compared in E.164
    expect(problems(rule("{ dialled: ['0187654321', '01876*', '100', '0033187654321'] }"))).toEqual([
      'rules[0].when.dialled[0]: write a phone number in E.164 (e.g. +33187654321, or +331876* for a prefix): the dialled number is compared in that form',
      'rules[0].when.dialled[1]: write a phone number in E.164 (e.g. +33187654321, or +331876* for a prefix): the dialled number is compared in that form',
    ]);
  });

  // `matches: x` is read as `matches: [x]`, but the file has no `matches[0]`: a problem is placed where the user wrote it
  it('places a problem with a single value where a list may be at the key itself, an item of a list at its index', () => {
    expect(problems(oneRule("{ name: { matches: '' } }"))).toEqual(['rules[0].when.name.matches: must be 1 to 100 characters']);
    expect(problems(oneRule('{ caller: hidden, numberType: [mobile, cell], time: { days: monday } }'))).toEqual([
      'rules[0].when.caller: "hidden" is not one of withheld, invalid, valid',
      expect.stringMatching(/^rules\[0\]\.when\.numberType\[1\]: "cell" is not one of mobile, /),
      'rules[0].when.time.days: must be a day (mon … sun) or a range like mon-fri',
    ]);
    expect(problems(oneRule('{ any: [ { dialled: [100] }, { not: { dialled: 100 } } ] }'))).toEqual([
      'rules[0].when.any[0].dialled[0]: must be text: put it in quotes (\'100\'), or YAML reads the digits as a number',
      'rules[0].when.any[1].not.dialled: must be text: put it in quotes (\'100\'), or YAML reads the digits as a number',
    ]);
  });

  it('reports every problem at once, each with its path', () => {
    const found = problems(`version: 1
timezone: Mars/Olympus
default: explode
rules:
  - name: ok
    action: ring
    when: { caller: withheld }
  - name: Bad Name
    action: captcha
    when: { caller: withheld }
  - name: ok
    action: ring
    when: { caller: invalid }
  - name: slow
    action: captcha
    when: { rate: { calls: 3, within: 10 minutes } }
`);
    expect(found).toEqual(expect.arrayContaining([
      'timezone: must be an IANA time zone known to this system, like Europe/Paris',
      'default: "explode" is not one of ring, captcha, voicemail, reject',
      'rules[1].name: must be 1–64 characters a-z 0-9 - _',
      'rules[2].name: duplicate rule name "ok" (first used by rules[0])',
    ]));
    expect(found.find((p) => p.startsWith('rules[3].when.rate.within: must be a duration like 10m'))).toBeDefined();
    expect(found).toHaveLength(5);
  });

  it('reports a cross-field problem beside a field problem of the same rule, in one pass', () => {
    const found = problems(`version: 1
default: ring
rules:
  - name: a
    action: ring
    captcha: { onFail: reject }
    when: { caller: robot }
  - name: b
    action: reject
    when: { match: exact, caller: robot }
`);
    expect(found).toEqual([
      'rules[0].when.caller: "robot" is not one of withheld, invalid, valid',
      'rules[0].captcha: only for action: captcha',
      'rules[1].when.caller: "robot" is not one of withheld, invalid, valid',
      'rules[1].when.match: needs list',
    ]);
  });

  it.each([
    ['unknown top-level key', 'version: 1\ncolour: red\n', 'colour: unknown key'],
    ['unknown condition', oneRule('{ caller: withheld, callr: valid }'), 'rules[0].when.callr: unknown key (did you mean caller?)'],
    ['unknown key inside a condition', oneRule('{ rate: { calls: 3, within: 10m, window: 5 } }'), 'rules[0].when.rate.window: unknown key'],
    ['unknown key in a nested any', oneRule('{ any: [ { caller: withheld }, { foo: 1 } ] }'), 'rules[0].when.any[1].foo: unknown key'],
    ['misspelt condition in a nested any', oneRule('{ any: [ { caller: withheld }, { calller: valid } ] }'), 'rules[0].when.any[1].calller: unknown key (did you mean caller?)'],
    ['missing version', 'rules: []\n', 'version: is required'],
    ['wrong version', 'version: 2\n', 'version: must be 1 (the only policy format so far)'],
    ['bad mode', 'version: 1\nmode: loud\n', 'mode: "loud" is not one of enforce, shadow'],
    ['bad duration', oneRule('{ rate: { calls: 3, within: 10 } }'), 'rules[0].when.rate.within: must be a duration like 10m (a whole number and s, m, h or d)'],
    ['zero duration', oneRule('{ rate: { calls: 3, within: 0m } }'), 'rules[0].when.rate.within: must be a duration like 10m (a whole number and s, m, h or d), at most 30d'],
    ['missing rate calls', oneRule('{ rate: { within: 10m } }'), 'rules[0].when.rate.calls: is required'],
    ['blockDigits without per: block', oneRule('{ rate: { calls: 3, within: 10m, blockDigits: 6 } }'), 'rules[0].when.rate.blockDigits: only meaningful with per: block'],
    ['condition time zone', oneRule("{ time: { from: '10:00', timezone: Europe/Pariss } }"), 'rules[0].when.time.timezone: must be an IANA time zone known to this system, like Europe/Paris'],
    ['bad clock', oneRule("{ time: { from: '9h' } }"), 'rules[0].when.time.from: must be a time like 10:00 (00:00 to 24:00)'],
    ['empty window', oneRule("{ time: { from: '10:00', to: '10:00' } }"), 'rules[0].when.time.to: the window is empty (from equals to)'],
    ['window starting at 24:00', oneRule("{ time: { from: '24:00', to: '06:00' } }"), 'rules[0].when.time.from: must be 23:59 at the latest (24:00 is only an end)'],
    ['bad day', oneRule('{ time: { days: [monday] } }'), 'rules[0].when.time.days[0]: must be a day (mon … sun) or a range like mon-fri'],
    ['time pack mixed with hours', oneRule("{ time: { inside: fr-legal-hours, from: '10:00' } }"), 'rules[0].when.time: a time pack (inside/outside) cannot be combined with days/from/to/timezone'],
    ['unknown time pack', oneRule('{ time: { outside: uk-hours } }'), 'rules[0].when.time.outside: unknown time pack "uk-hours" (known: fr-legal-hours)'],
    ['unknown pack', oneRule('{ pack: [fr-npv, us-robo] }'), 'rules[0].when.pack[1]: unknown pack "us-robo" (known: fr-npv, fr-platforms, de-spoofed)'],
    ['time pack used as a number pack', oneRule('{ pack: fr-legal-hours }'), 'rules[0].when.pack: "fr-legal-hours" is a time pack: use time: { inside: fr-legal-hours } or { outside: … }'],
    ['bad caller kind', oneRule('{ caller: hidden }'), 'rules[0].when.caller: "hidden" is not one of withheld, invalid, valid'],
    ['bad number type', oneRule('{ numberType: [cell] }'), 'rules[0].when.numberType[0]: "cell" is not one of mobile, fixed-line, fixed-line-or-mobile, toll-free, premium-rate, shared-cost, voip, personal-number, pager, uan, voicemail, unknown'],
    ['score out of range', oneRule('{ score: { min: 170 } }'), 'rules[0].when.score.min: must be between 0 and 100'],
    ['inverted score', oneRule('{ score: { min: 80, max: 20 } }'), 'rules[0].when.score: min must not exceed max'],
    ['empty when', oneRule('{}'), 'rules[0].when: needs at least one condition (use default for a catch-all)'],
    ['match without list', oneRule('{ match: exact, caller: valid }'), 'rules[0].when.match: needs list'],
    ['bad dialled', oneRule("{ dialled: ['1*2'] }"), 'rules[0].when.dialled[0]: must be a number or a prefix ending in * (digits, optional leading +)'],
    ['unsafe glob', oneRule(`{ name: { matches: ['*${'A'.repeat(40)}*'] } }`), 'rules[0].when.name.matches[0]: at most 31 characters between two *'],
    ['name without patterns', oneRule('{ name: {} }'), 'rules[0].when.name: needs matches or contains'],
    ['bad verstat', oneRule("{ verstat: ['x y'] }"), 'rules[0].when.verstat[0]: "x y" is not one of TN-Validation-Passed, TN-Validation-Failed, No-TN-Validation, missing, TN-Validation-Passed-A, TN-Validation-Passed-B, TN-Validation-Passed-C, TN-Validation-Failed-A, TN-Validation-Failed-B, TN-Validation-Failed-C'],
    // a typo must be an error, not a STIR/SHAKEN rule that silently never matches
    ['misspelt verstat', oneRule('{ verstat: [missing, TN-Validaton-Failed] }'), 'rules[0].when.verstat[1]: "TN-Validaton-Failed" is not one of TN-Validation-Passed, TN-Validation-Failed, No-TN-Validation, missing, TN-Validation-Passed-A, TN-Validation-Passed-B, TN-Validation-Passed-C, TN-Validation-Failed-A, TN-Validation-Failed-B, TN-Validation-Failed-C'],
    ['reserved rule name', 'version: 1\nrules:\n  - { name: default, action: ring, when: { caller: valid } }\n', 'rules[0].name: "default" is reserved for the default action'],
    ['missing when', 'version: 1\nrules:\n  - { name: a, action: ring }\n', 'rules[0].when: is required'],
    ['mixed block sizes', `version: 1
rules:
  - { name: a, action: captcha, when: { rate: { calls: 3, within: 10m, per: block, blockDigits: 7 } } }
  - { name: b, action: captcha, when: { not: { rate: { calls: 3, within: 1h, per: block } } } }
`, 'rules[1].when.not.rate.blockDigits: all per-block rate conditions must use the same blockDigits (7 at rules[0].when.rate, 8 here)'],
    ['not YAML', 'version: [1', undefined],
    ['not a mapping', '- version: 1\n', '(root): the policy must be a mapping with version, default and rules'],
  ])('%s', (_label, text, expected) => {
    const found = problems(text);
    if (expected === undefined) expect(found[0]).toMatch(/^\(yaml\): /);
    else expect(found).toContain(expected);
  });

  it('puts every problem in the error message too', () => {
    try {
      parsePolicy('version: 1\nmode: loud\ncolour: red\n', 'my-policy.yaml');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('my-policy.yaml');
      expect((err as Error).message).toContain('mode: "loud" is not one of enforce, shadow');
      expect((err as Error).message).toContain('colour: unknown key');
    }
  });
});

describe('verstat values', () => {
  it('takes the attestation-level forms a policy could name before values were checked (an upgrade must not stop chut)', () => {
    const policy = "version: 1\ndefault: ring\nrules:\n  - name: passed\n    when: { verstat: [TN-Validation-Passed-A, tn-validation-failed-c] }\n    action: ring\n";
    expect(() => parsePolicy(policy, 'test')).not.toThrow();
  });
});

describe('loadPolicyFile', () => {
  it('reads a file, and reports an unreadable one as a PolicyError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chut-policy-'));
    try {
      const file = join(dir, 'policy.yaml');
      writeFileSync(file, 'version: 1\nmode: shadow\n');
      expect(loadPolicyFile(file).mode).toBe('shadow');
      expect(loadPolicyFile(file).source).toBe(file);
      expect(() => loadPolicyFile(join(dir, 'missing.yaml'))).toThrow(PolicyError);
      try {
        loadPolicyFile(join(dir, 'missing.yaml'));
      } catch (err) {
        expect((err as PolicyError).problems[0]).toMatch(/cannot read .*missing\.yaml \(ENOENT\)/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('captcha failure routes on a rule', () => {
  it('accepts onFail/onTimeout on a captcha rule and refuses them elsewhere or with a bad route', () => {
    expect(() => parsePolicy(`version: 1
rules:
  - name: npv
    action: captcha
    captcha: { onFail: reject, onTimeout: voicemail }
    when: { pack: fr-npv }
`, 'test')).not.toThrow();
    const found = problems(`version: 1
rules:
  - name: a
    action: reject
    captcha: { onFail: reject }
    when: { pack: fr-npv }
  - name: b
    action: captcha
    captcha: { onFail: ring }
    when: { caller: withheld }
`);
    expect(found.some((p) => /rules\[0\]\.captcha: only for action: captcha/.test(p))).toBe(true);
    expect(found.some((p) => p.startsWith('rules[1].captcha.onFail'))).toBe(true);
  });
});
