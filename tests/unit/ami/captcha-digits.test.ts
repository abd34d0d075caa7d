/**
 * How the shipped AMI captcha IVR says the digits and reads the answer. The digits: one Playback list `digits/4&digits/7&…` checked with
 * PLAYBACKSTATUS, never SayDigits (which skips a missing sound file without a word, so a caller whose Asterisk lacks
 * the digit sounds would hear nothing, type nothing and be treated as a robot). The list-building loop is read from
 * dialplan/asterisk/chut-ami.conf and run as Asterisk runs it; the simulator (src/sim/ami/call.ts) plays the same list.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const conf = readFileSync(new URL('../../../dialplan/asterisk/chut-ami.conf', import.meta.url), 'utf8');
const captcha = conf.slice(conf.indexOf('exten => captcha,1,'), conf.indexOf('exten => prompt-failed,1,'));

function step(re: RegExp): string {
  const m = re.exec(captcha);
  if (!m?.[1]) throw new Error(`the captcha extension has no step matching ${String(re)}`);
  return m[1];
}

/** `${CHUT_CAPTCHA_DIGITS:offset:1}` and `${name}` as Asterisk substitutes them, for the few forms the loop uses. */
function substitute(text: string, vars: Record<string, string>): string {
  return text
    .replace(/\$\{CHUT_CAPTCHA_DIGITS:\$\{i\}:1\}/g, () => (vars.CHUT_CAPTCHA_DIGITS ?? '').substr(Number(vars.i), 1))
    .replace(/\$\{CHUT_CAPTCHA_DIGITS:(\d+):1\}/g, (_m, at: string) => (vars.CHUT_CAPTCHA_DIGITS ?? '').substr(Number(at), 1))
    .replace(/\$\{LEN\(\$\{CHUT_CAPTCHA_DIGITS\}\)\}/g, () => String((vars.CHUT_CAPTCHA_DIGITS ?? '').length))
    .replace(/\$\{([a-z]+)\}/g, (_m, name: string) => vars[name] ?? '');
}

/** `$[a + b]` and `a < b`, the only expressions the loop uses. */
function evaluate(expr: string): string {
  const sum = /^\$\[(\d+) \+ (\d+)\]$/.exec(expr);
  if (sum) return String(Number(sum[1]) + Number(sum[2]));
  const less = /^(\d+) < (\d+)$/.exec(expr);
  if (less) return Number(less[1]) < Number(less[2]) ? '1' : '0';
  throw new Error(`unexpected expression ${expr}`);
}

/** Runs the snippet's loop for one challenge and returns what its Playback is given. */
function playbackList(digits: string): string {
  const vars: Record<string, string> = { CHUT_CAPTCHA_DIGITS: digits };
  vars.say = substitute(step(/same => n,Set\(LOCAL\(say\)=(digits\/[^)\s]+)\)/), vars);
  vars.i = step(/same => n,Set\(LOCAL\(i\)=(\d+)\)/);
  const append = step(/n\(sayloop\),Set\(LOCAL\(say\)=([^\n]+?)\)\n/);
  const next = step(/same => n,Set\(LOCAL\(i\)=(\$\[\$\{i\} \+ 1\])\)/);
  const again = step(/same => n,GotoIf\(\$\[(\$\{i\} < \$\{LEN\(\$\{CHUT_CAPTCHA_DIGITS\}\)\})\]\?sayloop\)/);
  for (let guard = 0; guard < 20; guard++) {
    vars.say = substitute(append, vars);
    vars.i = evaluate(substitute(next, vars));
    if (evaluate(substitute(again, vars)) !== '1') break;
  }
  return substitute(step(/same => n,Playback\((\$\{say\})\)/), vars);
}

describe('the AMI captcha reads the answer with the configured waits, and notices a Read() that could not listen', () => {
  const read = step(/same => n,(Read\([^\n]+\))\n/);

  it('passes Read() no timeout: app.c uses one for the first digit AND between digits; TIMEOUT(response)/(digit) set each', () => {
    expect(read).toBe('Read(CHUT_CAPTCHA_INPUT,beep,${LEN(${CHUT_CAPTCHA_DIGITS})},,1)');
    expect(captcha).toContain('same => n,Set(TIMEOUT(response)=${first})');
    expect(captcha).toMatch(/same => n,Set\(TIMEOUT\(digit\)=\$\{IF\(\$\["\$\{CHUT_CAPTCHA_DIGIT_TIMEOUT\}" = ""\]\?3:\$\{CHUT_CAPTCHA_DIGIT_TIMEOUT\}\)\}\)/);
  });

  it('rings (prompt-failed) when Read() could not play its beep, right after it', () => {
    const after = captcha.slice(captcha.indexOf(read) + read.length).split('\n')[1] ?? '';
    expect(after).toMatch(/^ same => n,GotoIf\(\$\["\$\{READSTATUS\}" = "ERROR"\]\?prompt-failed,1\)/);
  });

  it('gives the channel its own timeouts back when it rings on, and only then', () => {
    expect(captcha).toContain('Set(LOCAL(chut_rto)=${TIMEOUT(response)})');
    expect(captcha).toContain('Set(LOCAL(chut_dto)=${TIMEOUT(digit)})');
    const ring = conf.slice(conf.indexOf('exten => ring,1,'), conf.indexOf('exten => voicemail,1,'));
    expect(ring).toContain('ExecIf($["${chut_rto}" != ""]?Set(TIMEOUT(response)=${chut_rto}))');
    expect(ring).toContain('ExecIf($["${chut_dto}" != ""]?Set(TIMEOUT(digit)=${chut_dto}))');
    expect(ring.indexOf('TIMEOUT(digit)')).toBeLessThan(ring.indexOf('Return()'));
  });

  it('gives the channel its own language back after the captcha (ring and voicemail): its prompts played in chut\'s', () => {
    const save = 'Set(LOCAL(chut_lang)=${CHANNEL(language)})';
    expect(captcha.indexOf(save)).toBeGreaterThan(-1);
    expect(captcha.indexOf(save)).toBeLessThan(captcha.indexOf('Set(CHANNEL(language)=${CHUT_CAPTCHA_LANG})'));
    const restore = 'ExecIf($["${chut_lang}" != ""]?Set(CHANNEL(language)=${chut_lang}))';
    const ring = conf.slice(conf.indexOf('exten => ring,1,'), conf.indexOf('exten => voicemail,1,'));
    expect(ring.indexOf(restore)).toBeGreaterThan(-1);
    expect(ring.indexOf(restore)).toBeLessThan(ring.indexOf('Return()'));
    const voicemail = conf.slice(conf.indexOf('exten => voicemail,1,'), conf.indexOf('exten => reject,1,'));
    expect(voicemail.indexOf(restore)).toBeGreaterThan(-1);
    expect(voicemail.indexOf(restore)).toBeLessThan(voicemail.indexOf('VoiceMail('));
  });
});

describe('the AMI captcha says its digits with a checked Playback', () => {
  it('builds digits/N&… for every digit, for challenges of 3 to 8 digits', () => {
    for (const digits of ['407', '0000', '12345', '987654', '5550123', '31415926']) {
      expect(playbackList(digits)).toBe([...digits].map((d) => `digits/${d}`).join('&'));
    }
  });

  it('checks PLAYBACKSTATUS right after playing them (a missing sound rings the call), and never uses SayDigits', () => {
    expect(captcha).toMatch(/same => n,Playback\(\$\{say\}\)\n same => n,GotoIf\(\$\["\$\{PLAYBACKSTATUS\}" = "FAILED"\]\?prompt-failed,1\)\n/);
    expect(captcha).not.toMatch(/SayDigits\(/);
  });
});
