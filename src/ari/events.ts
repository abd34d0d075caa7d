/**
 * ARI WebSocket frames, parsed once at the edge into a typed union. Every frame is hostile until it has
 * passed these schemas; a frame that fails is reported as `{ ok: false }` and never reaches call logic.
 * Field names are exactly those of the recorded Asterisk 22 frames (tests/fixtures/asterisk/*.jsonl).
 */
import { z } from 'zod';

/**
 * Channel ids go into REST paths: accept Asterisk's `<epoch>.<n>` shape and custom ids of the same alphabet, as one
 * plain path segment. Never dots alone: `.` and `..` survive encodeURIComponent, and URL normalisation turns
 * `/channels/../continue` into another resource.
 */
export const CHANNEL_ID = /^(?!\.+$)[A-Za-z0-9._-]{1,128}$/;

/** Whether `id` (from Asterisk, hostile until checked) is a channel id chut may put in a REST path. */
export function isChannelId(id: unknown): id is string {
  return typeof id === 'string' && CHANNEL_ID.test(id);
}

const text = (max: number) => z.string().max(max);

const channelSchema = z.object({
  id: z.string().regex(CHANNEL_ID),
  name: text(256),
  state: text(32),
  caller: z.object({ name: text(512), number: text(512) }),
  connected: z.object({ name: text(512), number: text(512) }).optional(),
  accountcode: text(256).optional(),
  dialplan: z.object({
    context: text(256),
    exten: text(256),
    priority: z.number().int(),
    app_name: text(256).optional(),
    app_data: text(1024).optional(),
  }),
  creationtime: text(64).optional(),
  language: text(32).optional(),
});
export type AriChannel = z.infer<typeof channelSchema>;

const playbackSchema = z.object({
  id: text(256),
  media_uri: text(1024),
  next_media_uri: text(1024).optional(),
  target_uri: text(512),
  language: text(32).optional(),
  state: text(32),
});
export type AriPlayback = z.infer<typeof playbackSchema>;

const base = { timestamp: text(64).optional(), application: text(64).optional(), asterisk_id: text(64).optional() };

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('StasisStart'), ...base, args: z.array(text(256)).max(32), channel: channelSchema }),
  z.object({ type: z.literal('StasisEnd'), ...base, channel: channelSchema }),
  z.object({
    type: z.literal('ChannelDtmfReceived'), ...base, channel: channelSchema,
    digit: z.string().regex(/^[0-9A-D*#]$/), duration_ms: z.number().optional(),
  }),
  z.object({
    type: z.literal('ChannelHangupRequest'), ...base, channel: channelSchema,
    cause: z.number().int().optional(), soft: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('ChannelDestroyed'), ...base, channel: channelSchema,
    cause: z.number().int(), cause_txt: text(256).optional(),
  }),
  z.object({ type: z.literal('ChannelStateChange'), ...base, channel: channelSchema }),
  z.object({ type: z.literal('PlaybackStarted'), ...base, playback: playbackSchema }),
  z.object({ type: z.literal('PlaybackContinuing'), ...base, playback: playbackSchema }),
  z.object({ type: z.literal('PlaybackFinished'), ...base, playback: playbackSchema }),
  // res/stasis/app.c app_update: sent to the connection that had the app when another one registers the same name
  // (`{"type":"ApplicationReplaced","application":"chut","asterisk_id":…,"timestamp":…}`); no event reaches it after
  z.object({ type: z.literal('ApplicationReplaced'), ...base }),
]);

export type AriEvent = z.infer<typeof eventSchema>;
/** An event type we do not act on (ChannelVarset, ChannelUserevent, …): recognised, then ignored. */
export interface OtherEvent { type: 'Other'; name: string }
export type StasisStart = Extract<AriEvent, { type: 'StasisStart' }>;

export type ParsedFrame = { ok: true; event: AriEvent | OtherEvent } | { ok: false; error: string };

const KNOWN = new Set<string>(eventSchema.options.map((o) => o.shape.type.value));
/** Frames bigger than this are not Asterisk events; refuse before JSON.parse spends time on them. */
export const MAX_FRAME = 256 * 1024;

/** Parses one WebSocket text frame. Never throws. */
export function parseFrame(raw: string): ParsedFrame {
  if (raw.length > MAX_FRAME) return { ok: false, error: `frame too large (${raw.length} chars)` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, error: 'not a JSON object' };
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string' || type.length === 0 || type.length > 64) return { ok: false, error: 'no event type' };
  if (!KNOWN.has(type)) return { ok: true, event: { type: 'Other', name: type } };
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${type}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}` };
  }
  return { ok: true, event: parsed.data };
}

/** The channel id an event concerns, for dispatching to the per-call state machine. */
export function eventChannelId(event: AriEvent): string | null {
  if ('channel' in event) return event.channel.id;
  if (!('playback' in event)) return null;
  const target = event.playback.target_uri;
  return target.startsWith('channel:') ? target.slice('channel:'.length) : null;
}

/**
 * A channel parked in our app as Asterisk names it: its id, usable in a REST path or not (isChannelId), and its
 * creation time (null when missing or of another shape), which tells apart two channels an originate gave the same
 * id one after the other.
 */
export interface ParkedChannel {
  id: string;
  creationtime: string | null;
}

/** A channel's `creationtime` as Asterisk sent it (hostile until checked): text of at most 64 characters, else null. */
export function creationTime(value: unknown): string | null {
  return typeof value === 'string' && value.length <= 64 ? value : null;
}

/** The channel of a StasisStart frame that failed validation: null when the frame is no StasisStart or names no id. */
export function strandedChannel(raw: string): ParkedChannel | null {
  try {
    const frame = JSON.parse(raw) as { type?: unknown; channel?: { id?: unknown; creationtime?: unknown } } | null;
    const channel = frame?.type === 'StasisStart' ? frame.channel : undefined;
    return typeof channel?.id === 'string' ? { id: channel.id, creationtime: creationTime(channel.creationtime) } : null;
  } catch {
    return null;
  }
}
