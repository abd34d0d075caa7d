/**
 * The screening deadline the protocol harnesses give chut unless a test sets its own. chut's default (250 ms) is
 * sized for a Redis round trip on an idle machine; on a loaded 2-vCPU CI box a cold first lookup has taken longer,
 * so the call failed open (rule `fail-open`, route ring) where the test expected its rule. Tests of the deadline
 * itself set `screening.deadlineMs` explicitly. Below the AMI dialplan's 2 s decision wait, so a decision still
 * reaches the dialplan in time.
 */
export const TEST_DEADLINE_MS = 1500;
