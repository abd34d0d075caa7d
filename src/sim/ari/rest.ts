/**
 * The fake Asterisk's REST routes, answering with the statuses and bodies recorded in
 * tests/fixtures/asterisk/ari-http-exchanges.txt (including the odd ones: `404 Variable Not Found`,
 * 500 on a play without media, 409 once a channel left Stasis).
 */
import { randomUUID } from 'node:crypto';
import type { SimChannel } from './channel.js';
import { applicationJson, asteriskInfoJson, channelJson, playbackJson, type PlaybackData } from './frames.js';
import type { SimVoicemail } from './model.js';

export interface RestReply {
  status: number;
  statusText?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RestState {
  channels: Map<string, SimChannel>;
  apps(): string[];
  playbacks: Map<string, PlaybackData>;
  voicemail: SimVoicemail;
  startedAt: number;
  soundExists(name: string): boolean;
  /** Elements appended to every `GET /channels` reply as they are (AriFaults.channelListExtras). */
  channelListExtras(): readonly unknown[];
}

const msg = (status: number, message: string, statusText?: string): RestReply =>
  ({ status, body: { message }, ...(statusText ? { statusText } : {}) });
const NO_CONTENT: RestReply = { status: 204 };
const NOT_IN_STASIS = msg(409, 'Channel not in Stasis application');
const ABSOLUTE_TIMEOUT = 'TIMEOUT(absolute)';
const HANGUP_REASONS = new Set(['normal', 'busy', 'congestion', 'no_answer', 'timeout', 'rejected', 'unallocated',
  'normal_unspecified', 'number_incomplete', 'codec_mismatch', 'interworking', 'failure', 'answered_elsewhere']);

type Handler = (s: RestState, q: URLSearchParams, ch: SimChannel) => RestReply | Promise<RestReply>;

/** A function ast_func_read2 cannot read (app_voicemail not loaded, or an attribute the fake does not model). */
const FUNCTION_ERROR = msg(500, 'Unable to read provided function', 'Error With Function');

function vmInfoReply(vm: SimVoicemail, box: string, attribute: string): RestReply {
  if (!vm.loaded() || attribute !== 'exists') return FUNCTION_ERROR;
  return { status: 200, body: { value: vm.exists(box) ? '1' : '0' } };
}

const channelRoutes: Record<string, Handler> = {
  // res_stasis_answer.c: stasis_app_send_command, synchronous: the reply waits for the control queue (a playback in
  // progress) to run the answer; flushed unrun (the channel left Stasis first), it fails (ast_ari_channels_answer's 500)
  'POST answer': (_s, _q, ch) => {
    if (!ch.inStasis) return NOT_IN_STASIS;
    return new Promise<RestReply>((resolve) => ch.enqueue(
      () => { ch.answer(); resolve(NO_CONTENT); },
      () => resolve(msg(500, 'Failed to answer channel')),
    ));
  },
  'POST play': (s, q, ch) => {
    if (!ch.inStasis) return NOT_IN_STASIS;
    // as Asterisk's generated handler: the last `media` parameter wins, split on commas
    const media = (q.getAll('media').at(-1) ?? '').split(',').filter(Boolean);
    if (media.length === 0) return msg(500, 'Failed to queue media for playback');
    const id = q.get('playbackId') || randomUUID();
    const data: PlaybackData = { id, mediaUri: media[0] as string, channelId: ch.data.id, language: q.get('lang') || ch.data.language, state: 'queued' };
    s.playbacks.set(id, data);
    ch.play(data, media);
    return { status: 201, body: playbackJson(data), headers: { Location: `/ari/playbacks/${id}` } };
  },
  // control.c: stasis_app_send_command_async: 204 at once, the channel leaves Stasis when the queue gets to it
  // (after the playback in progress: PlaybackFinished, then StasisEnd)
  'POST continue': (_s, q, ch) => {
    if (!ch.inStasis) return NOT_IN_STASIS;
    ch.requestContinue(q.get('context') ?? undefined, q.get('extension') ?? undefined);
    return NO_CONTENT;
  },
  'GET variable': (s, q, ch) => {
    const name = q.get('variable');
    if (!name) return msg(400, 'Variable name is required');
    if (name === ABSOLUTE_TIMEOUT) return { status: 200, body: { value: ch.absoluteTimeoutLeft() } };
    const vmInfo = /^VM_INFO\(([^,()]*),([a-z]+)\)$/.exec(name);
    if (vmInfo) return vmInfoReply(s.voicemail, vmInfo[1] as string, vmInfo[2] as string);
    const value = ch.vars.get(name);
    if (value !== undefined) return { status: 200, body: { value } };
    // a dialplan function that cannot be read (STIR_SHAKEN on a call with no identity) is a 500, a variable a 404
    return name.endsWith(')') ? FUNCTION_ERROR : msg(404, 'Provided variable was not found', 'Variable Not Found');
  },
  'POST variable': (_s, q, ch) => {
    const name = q.get('variable');
    if (!name) return msg(400, 'Variable name is required');
    // ast_ari_channels_set_channel_var goes through find_control: a channel that left Stasis is not ours to change
    if (!ch.inStasis) return NOT_IN_STASIS;
    // control.c's stasis_app_control_set_channel_var is queued (async): 204 now, set once a playback in progress ends.
    // A dialplan function, not a variable: it arms (or, with 0, cancels) the channel's absolute timeout
    const value = q.get('value') ?? '';
    ch.enqueue(() => {
      if (name === ABSOLUTE_TIMEOUT) ch.setAbsoluteTimeout(value, 'ari');
      else ch.vars.set(name, value);
    });
    return NO_CONTENT;
  },
  'POST dtmf': (_s, q) => (q.get('dtmf') ? NO_CONTENT : msg(400, 'DTMF is required')),
  'POST redirect': (_s, q, ch) => {
    const endpoint = q.get('endpoint');
    if (!endpoint) return msg(400, 'Required parameter endpoint not present');
    const tech = endpoint.split('/')[0] ?? '';
    const own = ch.data.name.split('/')[0] ?? '';
    return tech === own ? NO_CONTENT : msg(422, `Endpoint technology '${tech}' does not match channel technology '${own}'`);
  },
  'GET ': (_s, _q, ch) => ({ status: 200, body: channelJson(ch.data) }),
  'DELETE ': (_s, q, ch) => {
    const reason = q.get('reason');
    if (reason && !HANGUP_REASONS.has(reason)) return msg(400, 'Invalid reason for hangup reason provided', 'Invalid Reason');
    ch.hangup('reject');
    return NO_CONTENT;
  },
};

function applications(s: RestState, method: string, parts: string[], q: URLSearchParams): RestReply {
  const [name, sub] = parts;
  const subscribed = (app: string) => [...s.channels.values()].filter((c) => c.subscribed && c.app === app).map((c) => c.data.id);
  if (!name) return method === 'GET' ? { status: 200, body: s.apps().map((a) => applicationJson(a, subscribed(a))) } : msg(405, 'Method not allowed');
  if (!s.apps().includes(name)) return msg(404, 'Application not found');
  if (sub === 'subscription' && method === 'POST') {
    const source = q.get('eventSource') ?? '';
    const ch = source.startsWith('channel:') ? s.channels.get(source.slice('channel:'.length)) : undefined;
    if (!ch) return msg(422, 'Event source was not found');
    ch.subscribed = true;
    return { status: 200, body: applicationJson(name, subscribed(name)) };
  }
  return method === 'GET' && !sub ? { status: 200, body: applicationJson(name, subscribed(name)) } : msg(404, 'Resource not found');
}

/** Routes one authenticated request (path relative to `/ari`). */
export function route(s: RestState, method: string, path: string, q: URLSearchParams): RestReply | Promise<RestReply> {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [resource, id, action] = parts;
  if (resource === 'asterisk' && id === 'info' && method === 'GET') return { status: 200, body: asteriskInfoJson(s.startedAt) };
  if (resource === 'applications') return applications(s, method, parts.slice(1), q);
  // res/ari/resource_sounds.c: the id is one path segment (`digits%2F7`); Asterisk decodes each segment after
  // splitting, as this does. Every sound of the fake exists in English as gsm.
  if (resource === 'sounds' && id && parts.length === 2 && method === 'GET') {
    return s.soundExists(id) ? { status: 200, body: { id, formats: [{ language: 'en', format: 'gsm' }] } } : msg(404, 'Sound not found', 'Not Found');
  }
  // res/ari/resource_playbacks.c: a playback Asterisk no longer holds (ended) is 404; DELETE stops it: 204, or 500
  // when playback_stop refuses (nothing controllable has started yet)
  if (resource === 'playbacks' && id && parts.length === 2) {
    const pb = s.playbacks.get(id);
    const ch = pb && s.channels.get(pb.channelId);
    if (!pb || !ch?.inStasis) return msg(404, 'Playback not found', 'Not Found');
    if (method === 'GET') return { status: 200, body: playbackJson(pb) };
    if (method !== 'DELETE') return msg(405, 'Method not allowed');
    const stopped = ch.stopPlayback(id);
    if (stopped === 'not-found') return msg(404, 'Playback not found', 'Not Found');
    return stopped === 'ok' ? NO_CONTENT : msg(500, 'Could not stop playback', 'Internal Server Error');
  }
  if (resource !== 'channels') return msg(404, 'Resource not found');
  if (!id) return method === 'GET' ? { status: 200, body: [...[...s.channels.values()].map((c) => channelJson(c.data)), ...s.channelListExtras()] } : msg(404, 'Resource not found');
  const handler = channelRoutes[`${method} ${action ?? ''}`];
  if (!handler || parts.length > 3) return msg(404, 'Resource not found');
  const ch = s.channels.get(id);
  if (!ch || ch.gone) return msg(404, 'Channel not found');
  return handler(s, q, ch);
}
