/**
 * The AMI snippet's voicemail route: it fails open (a missing box or a missing app_voicemail rings the call), and
 * nothing the caller wrote reaches TryExec/Exec, which substitute variables in their argument a second time
 * (app_exec.c): the dialled number (CHUT_DID, the raw ${EXTEN}) only becomes a box once REGEX has checked it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VOICEMAIL_BOX } from '../../../src/voicemail-box.js';

const conf = readFileSync('dialplan/asterisk/chut-ami.conf', 'utf8');
/** Dialplan lines, comments stripped. */
const lines = conf.split('\n').map((l) => l.replace(/(^|\s);.*$/, '').trim()).filter(Boolean);
const voicemail = conf.slice(conf.indexOf('exten => voicemail,1,'), conf.indexOf('exten => reject,1,'))
  .split('\n').map((l) => l.replace(/\s;.*$/, '').trim()).filter(Boolean);

/** The $[...] expressions of a line, brackets matched as Asterisk matches them (pbx_variables.c). */
function expressions(line: string): string[] {
  const out: string[] = [];
  for (let at = line.indexOf('$['); at !== -1; at = line.indexOf('$[', at + 2)) {
    let depth = 1;
    let i = at + 2;
    for (; i < line.length && depth > 0; i += 1) {
      if (line[i] === '[') depth += 1;
      else if (line[i] === ']') depth -= 1;
    }
    out.push(line.slice(at + 2, i - 1));
  }
  return out;
}

/** The pattern of the REGEX check on ${box} before TryExec. */
function boxPattern(): RegExp {
  const check = voicemail.find((l) => l.includes('${box})}') && l.includes('REGEX('));
  const source = /REGEX\("([^"]+)" \$\{box\}\)/.exec(check ?? '')?.[1];
  expect(source, 'a REGEX check on ${box}').toBeDefined();
  return new RegExp(source as string);
}

it('runs VoiceMail() through TryExec (a plain call to a missing application ends the call), then rings on NOAPP or FAILED', () => {
  const at = voicemail.findIndex((l) => l.includes('VoiceMail('));
  expect(voicemail[at]).toBe('same => n,TryExec(VoiceMail(${box},u))');
  expect(voicemail[at + 1]).toBe('same => n,GotoIf($["${TRYSTATUS}" = "NOAPP" | "${VMSTATUS}" = "FAILED"]?ring,1)');
  expect(voicemail.filter((l) => l.includes('VoiceMail('))).toHaveLength(1);
});

describe('no caller-written text reaches TryExec/Exec unchecked', () => {
  it('the box is checked with REGEX, then asked of VM_INFO, before TryExec; a box that fails either rings', () => {
    const at = voicemail.findIndex((l) => l.includes('TryExec(VoiceMail('));
    const check = voicemail.findIndex((l) => l.startsWith('same => n(check),'));
    expect(voicemail[check]).toMatch(/^same => n\(check\),GotoIf\(\$\[\$\{REGEX\("[^"]+" \$\{box\}\)\}\]\?:ring,1\)$/);
    // between the check and TryExec: does the box exist (app_voicemail's VM_INFO, into a LOCAL variable: the box is
    // a function argument, never part of an expression), else ring; then tell chut the voicemail route is taken
    expect(voicemail.slice(check + 1, at)).toEqual([
      'same => n,Set(LOCAL(boxok)=${VM_INFO(${box},exists)})',
      'same => n,GotoIf($["${boxok}" = "1"]?:ring,1)',
      'same => n,UserEvent(ChutRouted,ChutCallId: ${UNIQUEID},ChutRoute: voicemail)',
    ]);
    // every way to the TryExec goes through (check): the box is only ever set above it
    const sets = voicemail.map((l, i) => (l.includes('Set(LOCAL(box)=') ? i : -1)).filter((i) => i >= 0);
    expect(sets.length).toBe(3);
    expect(Math.max(...sets)).toBeLessThan(check);
    expect(voicemail.filter((l) => /\?check\)$/.test(l))).toHaveLength(2);
  });

  it('the check lets one plain box through and nothing that changes VoiceMail\'s arguments or holds a variable', () => {
    const re = boxPattern();
    for (const ok of ['0100000000@default', '+33100000000@default', '100@default', '100', 'sales.box-1@my_ctx']) {
      expect(re.test(ok), ok).toBe(true);
    }
    for (const bad of ['1${SHELL(id)}@default', '${SHELL(id)}', '100&200@default', '100@default&200@default', '1,b@default',
      '100)@default', '100@default,s', 'a b@default', '@default', '100@', '100@ctx@x', '1"x@default', '1\\x@default',
      '$[1+1]@default', `${'1'.repeat(65)}@default`, '']) {
      expect(re.test(bad), bad).toBe(false);
    }
  });

  it('the simulator checks the box with the snippet\'s own pattern', () => {
    expect(VOICEMAIL_BOX.source).toBe(boxPattern().source);
  });

  it('no TryExec/Exec anywhere in the snippet takes a variable other than the checked box', () => {
    const runners = lines.filter((l) => /(?:^|[,?:(])(?:TryExec|Exec)\(/.test(l));
    expect(runners.length).toBeGreaterThan(0);
    for (const l of runners) {
      const inside = l.slice(l.search(/(?:TryExec|Exec)\(/));
      const vars = [...inside.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
      expect(vars.filter((v) => v !== 'box'), l).toEqual([]);
    }
  });

  it('the dialled number never appears in an $[...] expression, only as the argument of REGEX or LEN (expressions can call dialplan functions)', () => {
    const caller = /\$\{(?:CHUT_DID|ARG1|EXTEN|box)\}/;
    let checked = 0;
    for (const l of lines) {
      // REGEX and LEN only read their argument; what reaches the expression is their result, a number
      const safe = l.replace(/\$\{REGEX\("[^"]*" \$\{[A-Za-z_]+\}\)\}/g, '1').replace(/\$\{LEN\(\$\{[A-Za-z_]+\}\)\}/g, '1');
      for (const expr of expressions(safe)) {
        checked += 1;
        expect(expr, l).not.toMatch(caller);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
