/**
 * The fast path for the caller IDs PBXs hand over most: a national number of the default country (`0612345678`)
 * and an international number whose calling code belongs to one country (`+33612345678`).
 *
 * Why: libphonenumber-js re-extracts the number from free text and builds each pattern's RegExp on every parse;
 * on a CPU whose caches went cold between calls (an idle PBX) that is ~200 µs for one new caller, a large part of a
 * screening decision. This matcher reads the same `max` metadata once per country, compiles its patterns once,
 * and takes the number apart exactly as libphonenumber's parse does for these two forms, then types it exactly as its
 * getNumberType() does. Every other case (calling codes shared by several countries, national prefixes given as
 * patterns, IDD or calling-code lookalikes, numbers of no known type) returns null and goes to libphonenumber.
 * `cannotBeValidNational` is the same for the other answer: a national form no country of the calling code can
 * read as a valid number (a robocaller's spoofed `0701234567`), which libphonenumber took ~10 parses to refuse
 * across the French plan's regions.
 * tests/unit/phone/plan-matcher.test.ts checks the results against libphonenumber on generated numbers.
 */
import { Metadata, type CountryCode, type NumberType as LibNumberType } from 'libphonenumber-js/max';

export interface PlanMatch {
  e164: string;
  country: CountryCode;
  type: NonNullable<LibNumberType>;
}

/** libphonenumber's order: after fixed-line (and the fixed-line-or-mobile cases), the first of these that matches. */
const NON_FIXED_LINE_TYPES = ['MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;
// libphonenumber: parse() gives up on national significant numbers outside these lengths.
const MIN_NSN = 2;
const MAX_NSN = 17;
const MAX_CALLING_CODE = 3;

interface TypeRule {
  type: NonNullable<LibNumberType>;
  pattern: RegExp;
  lengths: readonly number[] | undefined;
}

interface Plan {
  country: CountryCode;
  callingCode: string;
  general: RegExp;
  lengths: readonly number[] | undefined;
  /** The national prefix for parsing when it is plain digits (national forms need it); undefined otherwise. */
  plainNationalPrefix: string | undefined;
  /** The national prefix for parsing as a pattern, anchored: an international number starting with it falls back. */
  nationalPrefix: RegExp | null;
  idd: RegExp | null;
  fixedLine: TypeRule | null;
  /** No mobile type, or an empty mobile pattern: getNumberType then calls every fixed line "fixed line or mobile". */
  mobileSameAsFixed: boolean;
  /** No other country shares the calling code (else parse picks the country by the number: libphonenumber decides). */
  ownsCallingCode: boolean;
  others: TypeRule[];
}

/** The parts of libphonenumber's metadata classes read here; the public typings omit them (checked at run time). */
interface TypeInfo {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface NumberingPlanInfo {
  callingCode(): string;
  IDDPrefix(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  type(name: string): TypeInfo | undefined;
}
interface MetadataInfo {
  selectNumberingPlan(country: string): void;
  numberingPlan?: unknown;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
  hasCallingCode(callingCode: string): boolean;
}

const anchored = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);
const atStart = (pattern: string): RegExp => new RegExp(`^(?:${pattern})`);

let metadataInfo: MetadataInfo | null | undefined;

function metadata(): MetadataInfo | null {
  if (metadataInfo === undefined) {
    const m = new Metadata() as unknown as Partial<MetadataInfo>;
    metadataInfo = typeof m.getCountryCodesForCallingCode === 'function' && typeof m.hasCallingCode === 'function' &&
      typeof m.selectNumberingPlan === 'function' ? (m as MetadataInfo) : null;
  }
  return metadataInfo;
}

function isPlanInfo(p: unknown): p is NumberingPlanInfo {
  const q = p as Partial<Record<keyof NumberingPlanInfo, unknown>> | undefined;
  return !!q && ['callingCode', 'IDDPrefix', 'nationalPrefixForParsing', 'nationalNumberPattern', 'possibleLengths', 'type']
    .every((name) => typeof q[name as keyof NumberingPlanInfo] === 'function');
}

function typeRule(plan: NumberingPlanInfo, type: NonNullable<LibNumberType>): TypeRule | null {
  const info = plan.type(type);
  const pattern = info?.pattern();
  if (!info || !pattern) return null; // getNumberType: a missing or empty pattern never matches
  return { type, pattern: anchored(pattern), lengths: info.possibleLengths() };
}

function buildPlan(country: CountryCode): Plan | null {
  const m = metadata();
  if (!m) return null;
  m.selectNumberingPlan(country);
  const plan = m.numberingPlan;
  if (!isPlanInfo(plan)) return null;
  const prefix = plan.nationalPrefixForParsing();
  const idd = plan.IDDPrefix();
  const mobile = plan.type('MOBILE');
  const mobileRule = typeRule(plan, 'MOBILE');
  const callingCode = plan.callingCode();
  return {
    country,
    callingCode,
    ownsCallingCode: m.getCountryCodesForCallingCode(callingCode)?.length === 1,
    general: anchored(plan.nationalNumberPattern()),
    lengths: plan.possibleLengths(),
    plainNationalPrefix: prefix && /^\d+$/.test(prefix) ? prefix : undefined,
    nationalPrefix: prefix ? atStart(prefix) : null,
    idd: idd ? atStart(idd) : null,
    fixedLine: typeRule(plan, 'FIXED_LINE'),
    mobileSameAsFixed: !mobile || mobile.pattern() === '',
    others: NON_FIXED_LINE_TYPES.map((t) => (t === 'MOBILE' ? mobileRule : typeRule(plan, t))).filter((r): r is TypeRule => r !== null),
  };
}

const plans = new Map<string, Plan | null>();

function planFor(country: CountryCode): Plan | null {
  let plan = plans.get(country);
  if (plan === undefined) {
    try {
      plan = buildPlan(country);
    } catch {
      plan = null; // unexpected metadata: libphonenumber itself decides for this country
    }
    plans.set(country, plan);
  }
  return plan;
}

function matches(rule: TypeRule, nsn: string): boolean {
  return (!rule.lengths || rule.lengths.includes(nsn.length)) && rule.pattern.test(nsn);
}

/** libphonenumber's getNumberType() for a national significant number of this plan. */
function numberType(plan: Plan, nsn: string): NonNullable<LibNumberType> | undefined {
  if (!plan.general.test(nsn)) return undefined;
  if (plan.fixedLine && matches(plan.fixedLine, nsn)) {
    if (plan.mobileSameAsFixed) return 'FIXED_LINE_OR_MOBILE';
    const mobile = plan.others[0]?.type === 'MOBILE' ? plan.others[0] : undefined;
    return mobile && matches(mobile, nsn) ? 'FIXED_LINE_OR_MOBILE' : 'FIXED_LINE';
  }
  for (const rule of plan.others) if (matches(rule, nsn)) return rule.type;
  return undefined;
}

function typed(plan: Plan, nsn: string): PlanMatch | null {
  // parse() also refuses lengths the plan calls impossible; a typed number always has a possible length, but a
  // mismatch in future metadata must fall back rather than disagree.
  if (nsn.length < MIN_NSN || nsn.length > MAX_NSN || (plan.lengths && !plan.lengths.includes(nsn.length))) return null;
  const type = numberType(plan, nsn);
  return type ? { e164: `+${plan.callingCode}${nsn}`, country: plan.country, type } : null;
}

/**
 * `digits` dialled in `country`'s national form: the national prefix, then the national significant number. Null
 * for anything libphonenumber could read another way (an IDD or the calling code in front, no plain prefix).
 */
export function matchNational(digits: string, country: CountryCode): PlanMatch | null {
  const plan = planFor(country);
  if (!plan?.ownsCallingCode || !plan.plainNationalPrefix || !digits.startsWith(plan.plainNationalPrefix)) return null;
  if ((plan.idd && plan.idd.test(digits)) || digits.startsWith(plan.callingCode)) return null;
  return typed(plan, digits.slice(plan.plainNationalPrefix.length));
}

/** `digits` after a `+`: a calling code that belongs to one country, then the national significant number. */
export function matchInternational(digits: string): PlanMatch | null {
  const m = metadata();
  if (!m || digits.startsWith('0')) return null;
  for (let i = 1; i <= MAX_CALLING_CODE && i < digits.length; i++) {
    const code = digits.slice(0, i);
    const countries = m.getCountryCodesForCallingCode(code);
    if (!countries) {
      if (m.hasCallingCode(code)) return null; // a non-geographic code (+800, +882…)
      continue;
    }
    if (countries.length !== 1) return null;
    const plan = planFor(countries[0] as CountryCode);
    const nsn = digits.slice(i);
    // parse() would strip a national prefix written after the calling code (+33 0612…): libphonenumber decides.
    if (!plan || plan.callingCode !== code || (plan.nationalPrefix && plan.nationalPrefix.test(nsn))) return null;
    return typed(plan, nsn);
  }
  return null;
}

/**
 * True when libphonenumber cannot find `digits`, dialled in `country`'s national form, valid. Its isValid() is
 * "getNumberType() is defined" for a country of `country`'s calling code (the one parse picks), and the national
 * significant number is `digits` with or without the plain national prefix (parse keeps the prefix when the rest does
 * not fit). False when unsure: an IDD or the calling code in front, a national prefix given as a pattern, or a country
 * of the calling code with no number type (its general pattern alone decides).
 */
export function cannotBeValidNational(digits: string, country: CountryCode): boolean {
  const plan = planFor(country);
  const prefix = plan?.plainNationalPrefix;
  if (!plan || !prefix || (plan.idd && plan.idd.test(digits)) || digits.startsWith(plan.callingCode)) return false;
  const readings = digits.startsWith(prefix) ? [digits.slice(prefix.length), digits] : [digits];
  const countries = metadata()?.getCountryCodesForCallingCode(plan.callingCode);
  if (!countries?.length) return false;
  for (const other of countries) {
    const otherPlan = planFor(other as CountryCode);
    // no type at all: isValid() then asks the general pattern alone, which this does not answer for
    if (!otherPlan || (!otherPlan.fixedLine && otherPlan.others.length === 0)) return false;
    if (readings.some((nsn) => numberType(otherPlan, nsn) !== undefined)) return false;
  }
  return true;
}
