/** Which channels of a `GET /channels` reply the orphan sweep may send on: parked in our app, owned by no session. */
import { z } from 'zod';
import { creationTime, isChannelId, type ParkedChannel } from './events.js';

export interface OrphanChannels {
  /** Unowned channels parked in our app, to send on. */
  candidates: string[];
  /** Channels parked in our app whose id is no safe path segment: chut cannot send them on, only say so. */
  refused: ParkedChannel[];
}

/** The fields the sweep reads, each element checked on its own: one of another shape is skipped, not the whole list.
 * `creationtime` only tells a refused channel apart (creationTime): one of another shape skips nothing. */
const parkedSchema = z.object({
  id: z.string(),
  dialplan: z.object({ app_name: z.literal('Stasis'), app_data: z.string() }),
  creationtime: z.unknown().optional(),
});

/**
 * `channels` as Asterisk answered (hostile until checked); `owned`: a session or the release list has the channel. An
 * id that is no safe path segment is refused, as its StasisStart would be (events.ts CHANNEL_ID): its `continue`
 * could reach another REST resource. An element of any other shape (not an object, an id that is no text, a dialplan
 * or app_data missing or of another type) names no channel chut could send on: it is left out, and the others kept.
 */
export function orphanCandidates(channels: unknown, app: string, owned: (id: string) => boolean): OrphanChannels {
  const found: OrphanChannels = { candidates: [], refused: [] };
  for (const element of Array.isArray(channels) ? (channels as unknown[]) : []) {
    const parsed = parkedSchema.safeParse(element);
    if (!parsed.success) continue;
    const { id, dialplan, creationtime } = parsed.data;
    if (dialplan.app_data.split(',')[0] !== app) continue;
    if (!isChannelId(id)) found.refused.push({ id, creationtime: creationTime(creationtime) });
    else if (!owned(id)) found.candidates.push(id);
  }
  return found;
}
