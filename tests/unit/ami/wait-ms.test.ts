/**
 * CHUT_WAIT_MS: how long the shipped dialplan polls for CHUT_DECISION, and how long chut thinks it does. Both must
 * read the value the same way, or chut sets a decision the dialplan no longer waits for (the call rang: chut's record
 * and pending captcha say otherwise), or gives up on one the dialplan would still have taken. The dialplan side is
 * read from dialplan/asterisk/chut-ami.conf itself and played as Asterisk runs it; the chut side is events.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WAIT_MS, WAIT_MS_RULE, dialplanWaitMs, toAmiEvent } from '../../../src/ami/events.js';

const conf = readFileSync(new URL('../../../dialplan/asterisk/chut-ami.conf', import.meta.url), 'utf8');

function lineMatching(re: RegExp): RegExpExecArray {
  const m = re.exec(conf);
  if (!m) throw new Error(`chut-ami.conf has no line matching ${String(re)}`);
  return m;
}

/** The snippet's own steps, as written in chut-ami.conf. */
const snippet = {
  defaultMs: lineMatching(/same => n,Set\(LOCAL\(waitms\)=(\d+)\)\n/)[1] as string,
  rule: lineMatching(/ExecIf\(\$\[\$\{REGEX\("([^"]+)" \$\{CHUT_WAIT_MS\}\)\}\]\?Set\(LOCAL\(waitms\)=\$\{CHUT_WAIT_MS\}\)\)/)[1] as string,
  divisor: Number(lineMatching(/Set\(LOCAL\(ticks\)=\$\[\$\{waitms\} \/ (\d+)\]\)/)[1]),
  tickSeconds: Number(lineMatching(/n\(wait\),GotoIf\(\$\["\$\{CHUT_DECISION\}" != "" \| \$\{tick\} >= \$\{ticks\}\]\?decide\)\n same => n,Wait\(([\d.]+)\)/)[1]),
};

/**
 * What Asterisk does with the snippet for one CHUT_WAIT_MS: the waitms it keeps (and sends as ChutWaitMs), and how
 * long its loop polls: `$[a / b]` divides in floating point, and the loop stops at the first whole tick >= ticks.
 * The REGEX is POSIX extended; the pattern used ([], {m,n}, ^$) means the same in JavaScript.
 */
function dialplan(chutWaitMs: string): { sent: string; waitedMs: number } {
  const waitms = new RegExp(snippet.rule).test(chutWaitMs) ? chutWaitMs : snippet.defaultMs;
  const ticks = Number(waitms) / snippet.divisor;
  let tick = 0;
  while (!(tick >= ticks)) tick += 1;
  return { sent: waitms, waitedMs: Math.round(tick * snippet.tickSeconds * 1000) };
}

const VALUES = ['', '2000', '2500', '1000', '150', '1', '99', '99999', '100000', '0', '0100', '1500.5', '2000.0', '2s',
  '2000ms', ' 2000', '2000 ', '-5', '+2000', '1e3', '0x10', 'abc', '２０００', '2,000'];

describe('CHUT_WAIT_MS: the dialplan and chut agree', () => {
  it('the snippet sends the value it uses, not the raw variable', () => {
    expect(conf).toMatch(/UserEvent\(ChutQuery,[^\n]*ChutWaitMs: \$\{waitms\}\)/);
    expect(conf).not.toMatch(/ChutWaitMs: \$\{CHUT_WAIT_MS\}/);
  });

  it('the same rule and default on both sides', () => {
    expect(snippet.rule).toBe(WAIT_MS_RULE.source);
    expect(Number(snippet.defaultMs)).toBe(DEFAULT_WAIT_MS);
    expect(snippet.tickSeconds * 1000).toBe(snippet.divisor); // waitms / divisor counts ticks of Wait(tickSeconds)
  });

  it.each(VALUES)('CHUT_WAIT_MS=%j: chut expects exactly the wait the dialplan does', (value) => {
    const { sent, waitedMs } = dialplan(value);
    expect(dialplanWaitMs(sent)).toBe(waitedMs);
    expect(toAmiEvent({ event: 'UserEvent', userevent: 'ChutQuery', channel: 'PJSIP/t-1', uniqueid: '1.1', chutwaitms: sent }))
      .toMatchObject({ type: 'chut-query', waitMs: waitedMs });
  });

  it('chut: plain whole milliseconds are used (rounded up to the dialplan tick), anything else is the 2 s default', () => {
    expect(dialplanWaitMs('2500')).toBe(2500);
    expect(dialplanWaitMs('150')).toBe(200);
    expect(dialplanWaitMs('99999')).toBe(100_000);
    for (const odd of [null, '', '0', '1500.5', '2s', '-5', '1e3', '100000', ' 2000']) expect(dialplanWaitMs(odd), String(odd)).toBe(2000);
  });

  it('the dialplan: the same values, and the non-integer that used to mean 1.6 s for the dialplan and 2 s for chut', () => {
    expect(dialplan('')).toEqual({ sent: '2000', waitedMs: 2000 });
    expect(dialplan('2500')).toEqual({ sent: '2500', waitedMs: 2500 });
    expect(dialplan('150')).toEqual({ sent: '150', waitedMs: 200 });
    expect(dialplan('1500.5')).toEqual({ sent: '2000', waitedMs: 2000 });
    expect(dialplan('abc')).toEqual({ sent: '2000', waitedMs: 2000 });
  });
});
