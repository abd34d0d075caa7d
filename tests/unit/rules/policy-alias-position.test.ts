/**
 * A glob written unquoted (`matches: *ENERGIE*`) is a YAML alias to an anchor that does not exist: the policy is
 * refused, and the problem says where, as for every other YAML error (README: "refused with the line and column of
 * its first error"). It said only "a value starting with * is read as a YAML alias: quote it", with no line: in a
 * policy of a hundred lines, which value?
 */
import { describe, expect, it } from 'vitest';
import { policyProblems } from '../../helpers/policy.js';

const problems = (text: string): string[] => policyProblems(text);

const POLICY = `version: 1
default: ring
rules:
  - name: known
    when: &blocked { list: block }
    action: reject
  - name: again
    when: *blocked
    action: voicemail
  - name: energy
    when: { name: { matches: *ENERGIE* } }
    action: captcha
`;

describe('an alias to no anchor', () => {
  it('is refused with its line and column, without quoting it', () => {
    const found = problems(POLICY);
    expect(found).toEqual(['(yaml): not valid YAML at line 11, column 30: a value starting with * is read as a YAML alias: quote it']);
    expect(found.join('\n')).not.toContain('ENERGIE');
  });

  it('is found after the anchors that do exist, and before one defined further down', () => {
    // an alias names the anchor written before it: one written after it does not count
    expect(problems('version: 1\nrules: *later\nx: &later []\n')).toEqual([
      '(yaml): not valid YAML at line 2, column 8: a value starting with * is read as a YAML alias: quote it',
    ]);
  });
});
