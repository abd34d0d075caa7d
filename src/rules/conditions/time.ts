/** Time conditions: a weekly window in a time zone, or inside/outside a built-in time pack. */
import { TIME_PACK_MATCHERS, type CompiledTimePack } from '../packs/index.js';
import type { Condition } from '../policy-types.js';
import { inWindow, makeWindow } from '../time-window.js';
import { describeZoned, parseClock } from '../zoned-time.js';
import type { TimeSpec } from '../spec.js';

function windowCondition(spec: TimeSpec, timezone: string): Condition {
  const from = spec.from !== undefined ? (parseClock(spec.from) ?? 0) : 0;
  const to = spec.to !== undefined ? (parseClock(spec.to) ?? 1440) : 1440;
  const window = makeWindow(spec.days, from, to);
  return {
    test: (ctx) => inWindow(window, ctx.zoned(timezone)),
    explain: (ctx, held) => [`it is ${describeZoned(ctx.zoned(timezone))} in ${timezone}, ${held ? 'within' : 'outside'} ${window.label}`],
  };
}

function packCondition(pack: CompiledTimePack, wantInside: boolean): Condition {
  return {
    test: (ctx) => pack.inside(ctx.zoned(pack.timezone)) === wantInside,
    explain: (ctx) => {
      const t = ctx.zoned(pack.timezone);
      const inside = pack.inside(t);
      const holiday = pack.holiday(t) ? ' (public holiday)' : '';
      return [`it is ${describeZoned(t)} in ${pack.timezone}${holiday}, ${inside ? 'inside' : 'outside'} ${pack.name}`];
    },
  };
}

/** `timezone` is the policy's zone, used when the condition names none. */
export function timeCondition(spec: TimeSpec, timezone: string): Condition {
  const packName = spec.inside ?? spec.outside;
  if (packName !== undefined) {
    const pack = TIME_PACK_MATCHERS.get(packName) as CompiledTimePack;
    return packCondition(pack, spec.inside !== undefined);
  }
  return windowCondition(spec, spec.timezone ?? timezone);
}
