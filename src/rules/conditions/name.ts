/** Caller-name patterns: case- and accent-insensitive globs or substrings, matched in linear time. */
import { describeCaller, listText, patternText, quote } from '../describe.js';
import { compileContains, compileGlob, type NameMatcher } from '../glob.js';
import type { Condition } from '../policy-types.js';

export function nameCondition(matches: readonly string[], contains: readonly string[]): Condition {
  const matchers: Array<[string, NameMatcher]> = [
    ...matches.map((p) => ['matches', compileGlob(p)] as [string, NameMatcher]),
    ...contains.map((p) => ['contains', compileContains(p)] as [string, NameMatcher]),
  ];
  const all = [...matches.map(patternText), ...contains.map((c) => quote(c))];
  return {
    test: (ctx) => {
      const name = ctx.foldedName();
      return matchers.some(([, m]) => m.matches(name));
    },
    explain: (ctx, held) => {
      const name = ctx.facts.callerName;
      const shown = name === '' ? `caller ${describeCaller(ctx.facts.caller)} sent no name` : `caller name ${quote(name)}`;
      const hit = held ? matchers.find(([, m]) => m.matches(ctx.foldedName())) : undefined;
      if (!hit) return [`${shown} matches none of ${listText(all)}`];
      return [hit[0] === 'matches' ? `${shown} matches ${patternText(hit[1].text)}` : `${shown} contains ${quote(hit[1].text)}`];
    },
  };
}
