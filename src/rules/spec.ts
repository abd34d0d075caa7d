/** The validated, still uncompiled shape of a policy file (what `schema.ts` accepts). */
import type { NumberType } from '../phone/types.js';
import type { Action } from './types.js';

export type CallerKind = 'withheld' | 'invalid' | 'valid';

export interface TimeSpec {
  days?: string[];
  from?: string;
  to?: string;
  timezone?: string;
  inside?: string;
  outside?: string;
}

export interface RateSpec {
  calls: number;
  /** A duration, `10m`. */
  within: string;
  per: 'number' | 'block';
  blockDigits?: number;
}

/** A `when` block holds when ALL its conditions hold. */
export interface WhenSpec {
  list?: 'allow' | 'block';
  match?: 'exact' | 'prefix' | 'any';
  caller?: CallerKind[];
  numberType?: NumberType[];
  pack?: string[];
  score?: { min?: number; max?: number };
  reports?: { min: number };
  captchaFailures?: { min: number };
  trusted?: boolean;
  rate?: RateSpec;
  time?: TimeSpec;
  dialled?: string[];
  name?: { matches?: string[]; contains?: string[] };
  verstat?: string[];
  neighbourSpoofing?: { digits: number };
  any?: WhenSpec[];
  not?: WhenSpec;
}

export interface RuleSpec {
  name: string;
  action: Action;
  /** With `action: captcha`: where a failed (`onFail`) or silent (`onTimeout`) caller goes. */
  captcha?: { onFail?: 'voicemail' | 'reject'; onTimeout?: 'voicemail' | 'reject' };
  description?: string;
  when: WhenSpec;
}

export interface PolicySpec {
  version: 1;
  mode: 'enforce' | 'shadow';
  timezone: string;
  default: Action;
  rules: RuleSpec[];
}

/** Rate conditions read `recentCalls.*` with this many leading digits unless they say otherwise. */
export const DEFAULT_BLOCK_DIGITS = 8;
