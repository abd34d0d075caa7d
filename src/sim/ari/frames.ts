/**
 * JSON shapes exactly as the recorded Asterisk 22.10.1 sends them (tests/fixtures/asterisk/*.jsonl,
 * ari-http-exchanges.txt): same field names, same key order, timestamps as `…+0000`.
 */

export const ASTERISK_ID = '02:fc:00:00:00:01';
export const ASTERISK_VERSION = '22.10.1';

export interface ChannelData {
  id: string;
  name: string;
  state: 'Ring' | 'Up' | 'Down';
  callerName: string;
  callerNumber: string;
  context: string;
  exten: string;
  priority: number;
  appName: string;
  appData: string;
  creationtime: string;
  language: string;
}

/** `2026-11-28T18:09:14.269+0000` */
export function ariTimestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function channelJson(c: ChannelData): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    protocol_id: '',
    caller: { name: c.callerName, number: c.callerNumber },
    connected: { name: c.callerName, number: c.callerNumber },
    accountcode: '',
    dialplan: { context: c.context, exten: c.exten, priority: c.priority, app_name: c.appName, app_data: c.appData },
    creationtime: c.creationtime,
    language: c.language,
  };
}

export interface PlaybackData {
  id: string;
  mediaUri: string;
  nextMediaUri?: string;
  channelId: string;
  language: string;
  state: 'queued' | 'playing' | 'continuing' | 'done' | 'failed';
}

export function playbackJson(p: PlaybackData): Record<string, unknown> {
  return {
    id: p.id,
    media_uri: p.mediaUri,
    ...(p.nextMediaUri ? { next_media_uri: p.nextMediaUri } : {}),
    target_uri: `channel:${p.channelId}`,
    language: p.language,
    state: p.state,
  };
}

const tail = (app: string) => ({ asterisk_id: ASTERISK_ID, application: app });

export const frames = {
  stasisStart: (app: string, args: string[], ch: ChannelData) =>
    ({ type: 'StasisStart', timestamp: ariTimestamp(), args, channel: channelJson(ch), ...tail(app) }),
  stasisEnd: (app: string, ch: ChannelData) =>
    ({ type: 'StasisEnd', timestamp: ariTimestamp(), channel: channelJson(ch), ...tail(app) }),
  dtmf: (app: string, ch: ChannelData, digit: string, durationMs: number) =>
    ({ type: 'ChannelDtmfReceived', timestamp: ariTimestamp(), digit, duration_ms: durationMs, channel: channelJson(ch), ...tail(app) }),
  hangupRequest: (app: string, ch: ChannelData, soft = false) =>
    ({ cause: 16, ...(soft ? { soft: true } : {}), type: 'ChannelHangupRequest', timestamp: ariTimestamp(), channel: channelJson(ch), ...tail(app) }),
  destroyed: (app: string, ch: ChannelData) =>
    ({ type: 'ChannelDestroyed', timestamp: ariTimestamp(), cause: 16, cause_txt: 'Normal Clearing', channel: channelJson({ ...ch, appName: '', appData: '' }), ...tail(app) }),
  varset: (app: string, ch: ChannelData, variable: string, value: string) =>
    ({ variable, value, type: 'ChannelVarset', timestamp: ariTimestamp(), channel: channelJson(ch), ...tail(app) }),
  stateChange: (app: string, ch: ChannelData) =>
    ({ type: 'ChannelStateChange', timestamp: ariTimestamp(), channel: channelJson(ch), ...tail(app) }),
  /** res/stasis/app.c app_update builds `{type, application}`, app_send adds `asterisk_id`, and the WebSocket session
   * (ari_websockets.c session_send_or_queue) the missing `timestamp`: in that order. */
  applicationReplaced: (app: string) =>
    ({ type: 'ApplicationReplaced', application: app, asterisk_id: ASTERISK_ID, timestamp: ariTimestamp() }),
  playback: (app: string, type: 'PlaybackStarted' | 'PlaybackContinuing' | 'PlaybackFinished', p: PlaybackData) =>
    ({ type, timestamp: ariTimestamp(), playback: playbackJson(p), ...tail(app) }),
};

export function applicationJson(name: string, channelIds: string[]): Record<string, unknown> {
  return { name, channel_ids: channelIds, bridge_ids: [], endpoint_ids: [], device_names: [], events_allowed: [], events_disallowed: [] };
}

export function asteriskInfoJson(startedAt: number): Record<string, unknown> {
  return {
    build: { os: 'Linux', kernel: 'chut-sim', machine: 'x86_64', options: 'OPTIONAL_API', date: ariTimestamp(startedAt), user: 'root' },
    system: { version: ASTERISK_VERSION, entity_id: ASTERISK_ID },
    config: { name: '', default_language: 'en', setid: { user: '', group: '' } },
    status: { startup_time: ariTimestamp(startedAt), last_reload_time: ariTimestamp(startedAt) },
  };
}
