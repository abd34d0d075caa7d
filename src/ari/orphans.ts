/** Which channels of a `GET /channels` reply the orphan sweep may send on: parked in our app, owned by no session. */
import { isChannelId, type AriChannel } from './events.js';

/**
 * `channels` as Asterisk answered (hostile until checked); `owned`: a session or the release list has the channel. An
 * id that is no safe path segment is left out, as its StasisStart would be (events.ts CHANNEL_ID): its `continue`
 * could reach another REST resource.
 */
export function orphanCandidates(channels: unknown, app: string, owned: (id: string) => boolean): string[] {
  const candidates: string[] = [];
  for (const ch of Array.isArray(channels) ? (channels as Array<Partial<AriChannel> | null>) : []) {
    const stasisApp = (ch?.dialplan?.app_data ?? '').split(',')[0];
    if (ch?.dialplan?.app_name !== 'Stasis' || stasisApp !== app || !isChannelId(ch.id) || owned(ch.id)) continue;
    candidates.push(ch.id);
  }
  return candidates;
}
