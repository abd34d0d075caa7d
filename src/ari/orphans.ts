/** Which channels of a `GET /channels` reply the orphan sweep may send on: parked in our app, owned by no session. */
import { isChannelId, type AriChannel } from './events.js';

export interface OrphanChannels {
  /** Unowned channels parked in our app, to send on. */
  candidates: string[];
  /** Channels parked in our app whose id is no safe path segment: chut cannot send them on, only say so. */
  refused: string[];
}

/**
 * `channels` as Asterisk answered (hostile until checked); `owned`: a session or the release list has the channel. An
 * id that is no safe path segment is refused, as its StasisStart would be (events.ts CHANNEL_ID): its `continue`
 * could reach another REST resource. An id that is no text at all names nothing to show, and is left out.
 */
export function orphanCandidates(channels: unknown, app: string, owned: (id: string) => boolean): OrphanChannels {
  const found: OrphanChannels = { candidates: [], refused: [] };
  for (const ch of Array.isArray(channels) ? (channels as Array<Partial<AriChannel> | null>) : []) {
    const stasisApp = (ch?.dialplan?.app_data ?? '').split(',')[0];
    if (ch?.dialplan?.app_name !== 'Stasis' || stasisApp !== app || typeof ch.id !== 'string') continue;
    if (!isChannelId(ch.id)) found.refused.push(ch.id);
    else if (!owned(ch.id)) found.candidates.push(ch.id);
  }
  return found;
}
