/** A policy file that cannot be used. `problems` lists every problem found, each `path: message`. */
export class PolicyError extends Error {
  readonly code = 'POLICY_INVALID';
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(`${source}: invalid policy:\n  - ${problems.join('\n  - ')}`);
    this.name = 'PolicyError';
    this.problems = problems;
  }
}
