import type { NumberPack } from './types.js';

/**
 * French 09 37 – 09 39 numbers used by delivery and ride-hailing platforms to relay calls between a courier or
 * driver and the customer. Source: the project brief (issue 2), from the ARCEP numbering plan; check the plan
 * before relying on it elsewhere. These are calls a household wants, so the other packs never match them
 * (src/rules/packs/index.ts enforces it) and the shipped policy rings them before the telemarketing rules.
 */
export const FR_PLATFORMS: NumberPack = {
  kind: 'numbers',
  name: 'fr-platforms',
  description: 'French delivery and ride-hailing platform numbers (09 37 – 09 39)',
  prefixes: ['+33937', '+33938', '+33939'],
};
