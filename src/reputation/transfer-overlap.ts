/**
 * An import is not exclusive (types.ts, addListEntry): a blocklist never overrides the user's allowlist, since a bulk
 * list such as an FTC complaint export may hold a spoofed number the household wants. A number on both lists
 * rings (allow wins), so an import reports the lines it takes that land on both: counted here, for the CLI and the
 * API to say so rather than claim "imported" for a number that will go on ringing.
 */
import { slicer, type CooperativeOptions } from '../cooperative.js';
import { EntryBits, listBit } from './import.js';
import { recordAt } from './records.js';
import { entryText } from './records.js';
import type { ListEntry } from '../phone/types.js';
import type { ListName, ListRecord, ListRecords, ReputationStore } from './types.js';

export interface ListOverlap {
  /** Block lines whose number or prefix is on the allowlist (already, or in the same file): it still rings. */
  keptOnAllowlist: number;
  /** Allow lines whose number or prefix is on the blocklist too: allow wins (it rings), the block entry stays. */
  alsoOnBlocklist: number;
}

/** Up to this many records, each is looked up (a round trip per batch); above, the store's lists are read once. */
const LOOKUP_AT_MOST = 5000;
const LOOKUPS_IN_FLIGHT = 200;

const keyOf = (r: Pick<ListRecord, 'entry'>): string => `${r.entry.kind}|${entryText(r.entry)}`;
/** The lists an entry is on, as bits (a Set per entry cost ~100 bytes each on a 1.5-million-line import, a Map of
 * `kind|entry` strings ~95: EntryBits keys numbers by their digits, 12–24 bytes). */
const otherBit = (list: ListName): number => listBit(list === 'allow' ? 'block' : 'allow');

/**
 * Counts the records whose entry is (or, from the same file, will be) on the other list, unexpired at `now`: an
 * expired entry is ignored by every lookup. The records are those an import is about to write (parseImport's).
 */
export async function listOverlap(
  store: Pick<ReputationStore, 'getListEntry' | 'exportLists'>, records: ListRecords, now: number,
  lookupAtMost = LOOKUP_AT_MOST, cooperative: CooperativeOptions = {},
): Promise<ListOverlap> {
  const slice = slicer(cooperative);
  /** entry → the lists it will be on once imported (this file, then the store's live entries), as bits. */
  const at = (i: number) => recordAt(records, i);
  const lists = new EntryBits();
  for (let i = 0; i < records.length; i++) {
    const r = at(i);
    lists.or(r.entry, listBit(r.list));
    if (slice.due()) await slice.pause();
  }
  const note = (rec: ListRecord) => {
    if (rec.expiresAt !== null && rec.expiresAt <= now) return;
    // only the file's entries count: each has a bit already
    if (lists.get(rec.entry) !== 0) lists.or(rec.entry, listBit(rec.list));
  };
  if (records.length <= lookupAtMost) {
    const byKey = new Map<string, ListEntry>();
    for (let i = 0; i < records.length; i++) byKey.set(keyOf(at(i)), at(i).entry);
    const unique = [...byKey.values()];
    for (let i = 0; i < unique.length; i += LOOKUPS_IN_FLIGHT) {
      const found = await Promise.all(unique.slice(i, i + LOOKUPS_IN_FLIGHT).map((e) => store.getListEntry(e)));
      for (const recs of found) for (const rec of recs) note(rec);
    }
  } else {
    for await (const rec of store.exportLists()) {
      note(rec);
      if (slice.due()) await slice.pause();
    }
  }
  const overlap: ListOverlap = { keptOnAllowlist: 0, alsoOnBlocklist: 0 };
  for (let i = 0; i < records.length; i++) {
    const r = at(i);
    // a 1.5-million-line API import spent seconds here in one go, and calls waited for their decision meanwhile
    if (slice.due()) await slice.pause();
    if ((lists.get(r.entry) & otherBit(r.list)) === 0) continue;
    if (r.list === 'block') overlap.keptOnAllowlist++;
    else overlap.alsoOnBlocklist++;
  }
  return overlap;
}

/** The overlap in words, for the command line: one sentence per list that has any, how to change it included. */
export function overlapNotes(o: ListOverlap): string[] {
  const notes: string[] = [];
  if (o.keptOnAllowlist) {
    notes.push(`${o.keptOnAllowlist} also on the allowlist: kept there, ${o.keptOnAllowlist === 1 ? 'it rings' : 'they ring'} (allow wins; \`chut block NUMBER\` moves one)`);
  }
  if (o.alsoOnBlocklist) {
    notes.push(`${o.alsoOnBlocklist} also on the blocklist: allow wins, ${o.alsoOnBlocklist === 1 ? 'it rings' : 'they ring'} (\`chut allow NUMBER\` takes one off the blocklist)`);
  }
  return notes;
}
