/** Caller-ID parsing and normalisation: the public face of src/phone. */
export type {
  CallerNumber,
  InvalidCaller,
  InvalidReason,
  ListEntry,
  NormaliseOptions,
  NormalisedCaller,
  NumberType,
  ValidCaller,
  WithheldCaller,
} from './types.js';
export { normalise, createNormaliser, DEFAULT_CACHE_SIZE, type Normaliser } from './normalise.js';
export { cleanName, MAX_NAME_CODE_POINTS } from './name.js';
export { BROAD_PREFIX_WHY, isBroadPrefix, parseListEntry } from './list-entry.js';
export { normaliseDialled } from './dialled.js';
export { numberBlock } from './block.js';
export { LruCache } from './lru.js';
