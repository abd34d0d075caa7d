/** The settings of chut's configuration schema, as dotted paths (`redis.url`, `esl.inbound.password`). */
import { configSchema } from '../../src/config.js';
import { unwrapSchema } from '../../src/validation-issues.js';

/** Dotted paths of every option in a zod (v4) schema, descending through defaults, nullables and unions. */
export function optionPaths(schema: unknown = configSchema, prefix = ''): string[] {
  // default, prefault, nullable, optional… all wrap the real type; a transform's options are those of its input.
  const def = (unwrapSchema(schema) as { _zod: { def: Record<string, unknown> } })._zod.def;
  switch (def.type) {
    case 'union':
      return [...new Set((def.options as unknown[]).flatMap((o) => optionPaths(o, prefix)))];
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      return Object.entries(shape).flatMap(([k, v]) => [`${prefix}${k}`, ...optionPaths(v, `${prefix}${k}.`)]);
    }
    default:
      return [];
  }
}
