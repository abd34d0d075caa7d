/** The rules engine: policy files, the pure evaluator, built-in packs. */
export { parsePolicy, loadPolicyFile, lookupNeeds } from './policy.js';
export { evaluate } from './evaluate.js';
export { policyWarnings } from './lint.js';
export { scoreText } from './describe.js';
export { PolicyError } from './errors.js';
export type { Policy, PolicyRule, Condition, EvalContext } from './policy-types.js';
export type { PolicySpec, RuleSpec, WhenSpec } from './spec.js';
export { ACTIONS, EMPTY_REPUTATION } from './types.js';
export type { Action, CallFacts, Decision, LookupNeeds, ReputationFacts } from './types.js';
export { NUMBER_PACKS, TIME_PACKS } from './packs/index.js';
