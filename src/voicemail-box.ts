/**
 * One plain voicemail box, as both Asterisk snippets (chut-ari.conf, chut-ami.conf) check it with REGEX before
 * TryExec(VoiceMail()), whose arguments Asterisk substitutes a second time: BOX of letters, digits and _ . + - (a DID
 * in E.164 is a box name), optionally @CONTEXT of letters, digits and _ . - ; anything else rings there. chut
 * accepts exactly this for routes.voicemailMailbox and before it sends a box to Asterisk (AMI Setvar, ARI
 * VM_INFO/CHUT_MAILBOX), so a box chut takes is never one the dialplan refuses. The simulators model the snippets
 * with it; tests/unit/ari/dialplan.test.ts and tests/unit/ami/dialplan-voicemail.test.ts compare it with each file.
 */
export const VOICEMAIL_BOX = /^[A-Za-z0-9_.+-]{1,64}(@[A-Za-z0-9_.-]{1,64})?$/;
