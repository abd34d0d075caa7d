/** The built-in PBX simulators, by the name `chut demo --pbx` uses. */
import { createAmiSimulator } from './ami/index.js';
import { createAriSimulator } from './ari/index.js';
import { createEslSimulator } from './esl/index.js';
import type { PbxSimulator } from './types.js';

export const DEMO_PBXS = ['asterisk', 'ami', 'freeswitch'] as const;
export type DemoPbx = (typeof DEMO_PBXS)[number];

export function createSimulator(pbx: DemoPbx): PbxSimulator {
  switch (pbx) {
    case 'asterisk':
      return createAriSimulator();
    case 'ami':
      return createAmiSimulator();
    case 'freeswitch':
      return createEslSimulator();
  }
}
