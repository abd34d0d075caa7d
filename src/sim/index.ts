/** The built-in PBX simulators, by the name `chut demo --pbx` uses. */
import type { PbxSimulator } from './types.js';

export const DEMO_PBXS = ['asterisk', 'ami', 'freeswitch'] as const;
export type DemoPbx = (typeof DEMO_PBXS)[number];

export function createSimulator(pbx: DemoPbx): PbxSimulator {
  switch (pbx) {
    case 'asterisk':
      throw new Error('ARI simulator not wired yet');
    case 'ami':
      throw new Error('AMI simulator not wired yet');
    case 'freeswitch':
      throw new Error('FreeSWITCH simulator not wired yet');
  }
}
