import { describe, expect, it } from 'vitest';
import { EslCommandError, executeCommand, hangupCommand, plainCommand } from '../../../src/esl/command.js';
import { promptPlaybacks } from '../../../src/esl/prompt.js';
import { inboundCallFrom, verstatFromPai } from '../../../src/esl/channel-data.js';
import { rejectSteps, voicemailBox, voicemailSteps } from '../../../src/esl/route-commands.js';
import { parseConfig } from '../../../src/config.js';

const NONE = { sounds: {}, soundPrefix: '' };

describe('ESL command serializer', () => {
  it('writes sendmsg execute exactly as the recorded session', () => {
    const cmd = executeCommand('transfer', '2000 XML screening-in', '7bb17541-880a-48c2-92b0-9fbf63b4b44c');
    expect(cmd.frame).toBe('sendmsg\ncall-command: execute\nexecute-app-name: transfer\nexecute-app-arg: 2000 XML screening-in\nevent-lock: true\nEvent-UUID: 7bb17541-880a-48c2-92b0-9fbf63b4b44c\n\n');
  });

  it('refuses every value that would end the command and inject another', () => {
    for (const bad of ['a\n\nsendmsg\ncall-command: hangup', 'x\r\ny', 'x\ny', 'nul\0']) {
      expect(() => executeCommand('playback', bad)).toThrow(EslCommandError);
      expect(() => plainCommand(`api ${bad}`)).toThrow(EslCommandError);
    }
    expect(() => executeCommand('play back', 'x')).toThrow(EslCommandError);
    expect(() => hangupCommand('NORMAL\nCLEARING')).toThrow(EslCommandError);
  });

  it('quotes a refused value with its invisible characters shown, so the log says why it was refused', () => {
    expect(() => executeCommand('play\u202eback', 'x')).toThrow('application name refused: "play\\u202eback"');
    expect(() => promptPlaybacks([{ sound: 'hello\u200bworld' }], NONE)).toThrow(/^sound refused: "hello\\u200bworld\.wav"$/);
  });

  it('plays the default prompts from FreeSWITCH\'s stock sounds, not Asterisk\'s names (which FreeSWITCH does not have)', () => {
    const { intro, retry, thanks, goodbye } = parseConfig({}).captcha.prompts.fr as { intro: string[]; retry: string[]; thanks: string[]; goodbye: string[] };
    const played = promptPlaybacks([...retry, ...intro, ...thanks, ...goodbye].map((sound) => ({ sound })), parseConfig({}).esl);
    expect(played).toEqual(['ivr/ivr-please_try_again.wav', 'ivr/ivr-please_enter_the.wav', 'ivr/ivr-id_number.wav',
      'ivr/ivr-thank_you_for_calling.wav', 'voicemail/vm-goodbye.wav']);
  });

  it('plays each sound and each digit on its own (each checkable), refusing unsafe names', () => {
    expect(promptPlaybacks([{ sound: 'please-try-again' }, { sound: 'please-enter' }, { digits: '4721' }], { sounds: { 'please-try-again': 'ivr/ivr-please_try_again' }, soundPrefix: 'ivr/ivr-' })).toEqual([
      'ivr/ivr-please_try_again.wav', 'ivr/ivr-please-enter.wav', 'digits/4.wav', 'digits/7.wav', 'digits/2.wav', 'digits/1.wav']);
    expect(promptPlaybacks([{ digits: '7' }], NONE)).toEqual(['digits/7.wav']);
    expect(promptPlaybacks([], NONE)).toEqual([]);
    expect(() => promptPlaybacks([{ digits: '12a' }], NONE)).toThrow(EslCommandError);
    expect(() => promptPlaybacks([{ sound: 'x!y' }], NONE)).toThrow(EslCommandError);
    expect(() => promptPlaybacks([{ sound: 'x y' }], NONE)).toThrow(EslCommandError);
  });

  it('never builds a voicemail target from an unusable mailbox', () => {
    const config = parseConfig({});
    expect(voicemailSteps(config, '1000')).toEqual([
      { app: 'answer', arg: '' }, { app: 'voicemail', arg: 'default ${domain_name} 1000' }, { app: 'hangup', arg: 'NORMAL_CLEARING' },
    ]);
    expect(voicemailSteps(config, '1000\n\nsendmsg')).toBeNull();
    expect(voicemailSteps(config, '1000 other')).toBeNull();
    expect(voicemailSteps(config, null)).toBeNull();
    expect(rejectSteps('sip-607')[0]).toEqual({ app: 'respond', arg: '607 Unwanted' });
  });

  it('takes a configured Asterisk-style BOX@CONTEXT as BOX (FreeSWITCH boxes live in the domain directory)', () => {
    const config = parseConfig({ routes: { voicemailMailbox: '100@default' } });
    expect(voicemailSteps(config, '+33100000000')?.[1]).toEqual({ app: 'voicemail', arg: 'default ${domain_name} 100' });
    expect(voicemailBox(config, null)).toBe('100');
  });
});

describe('channel data', () => {
  const base = { 'Unique-ID': 'aad4a0a1-6460-4301-af97-118ec520c3bf', 'Caller-Caller-ID-Number': '+33162000000', 'Caller-Caller-ID-Name': 'TELEMARKETING', 'Caller-Destination-Number': '1000' };

  it('reads caller, destination and verstat', () => {
    const call = inboundCallFrom({ ...base, 'variable_sip_P-Asserted-Identity': '<sip:+33162000000@x;verstat=TN-Validation-Passed>' }, 1);
    expect(call).toMatchObject({ pbx: 'freeswitch', callId: base['Unique-ID'], callerNumber: '+33162000000', callerName: 'TELEMARKETING', dialled: '1000', verstat: 'TN-Validation-Passed' });
    expect(inboundCallFrom({ ...base, variable_sip_verstat: 'TN-Validation-Failed' }, 1)?.verstat).toBe('TN-Validation-Failed');
    expect(verstatFromPai('<sip:1@x>')).toBeNull();
  });

  it('falls back to sip_from_user and refuses channels without a usable id', () => {
    expect(inboundCallFrom({ ...base, 'Caller-Caller-ID-Number': '', variable_sip_from_user: '0162000000' }, 1)?.callerNumber).toBe('0162000000');
    expect(inboundCallFrom({ ...base, 'Unique-ID': 'x y\n' }, 1)).toBeNull();
    expect(inboundCallFrom({ 'Caller-Caller-ID-Number': '1' }, 1)).toBeNull();
  });
});
