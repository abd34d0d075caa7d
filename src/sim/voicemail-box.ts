/**
 * The check both Asterisk snippets (chut-ari.conf, chut-ami.conf) make on a voicemail box before TryExec(VoiceMail()),
 * whose arguments Asterisk substitutes a second time: one plain box, or the call rings. The simulators model it
 * with this; tests/unit/ari/dialplan.test.ts and tests/unit/ami/dialplan-voicemail.test.ts compare it with each file.
 */
export const VOICEMAIL_BOX = /^[A-Za-z0-9_.+-]{1,64}(@[A-Za-z0-9_.-]{1,64})?$/;
