/** Which channels of a `GET /channels` reply the orphan sweep may send on: parked in our app, owned by no session. */
import type { AriChannel } from './events.js';

/** `channels` as Asterisk answered (hostile until checked); `owned`: a session or the release list has the channel. */
export function orphanCandidates(channels: unknown, app: string, owned: (id: string) => boolean): string[] {
  const candidates: string[] = [];
  for (const ch of Array.isArray(channels) ? (channels as Array<Partial<AriChannel> | null>) : []) {
    const stasisApp = (ch?.dialplan?.app_data ?? '').split(',')[0];
    if (ch?.dialplan?.app_name !== 'Stasis' || stasisApp !== app || typeof ch.id !== 'string' || owned(ch.id)) continue;
    candidates.push(ch.id);
  }
  return candidates;
}
