import type { CallResult, ScreeningService } from '../../../src/screening/types.js';

/** A screener whose policy rejects every caller: in a test, a call that rings was not screened. */
export const rejectAll = {
  async handleCall(_call, control) {
    await control.reject().catch(() => control.ring().catch(() => undefined));
    return {} as CallResult;
  },
} as Pick<ScreeningService, 'handleCall'> as ScreeningService;
