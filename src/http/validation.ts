/**
 * Schema validators: JSON bodies are taken as typed, text from the URL is read as the schema's type.
 *
 * Fastify's default Ajv coerces types everywhere, so a body `{"reason": 1}` became "1" and `{"force": "true"}` became
 * `true` (enough to take a whole country code onto the blocklist). A JSON body carries its own types: one Ajv without
 * coercion checks bodies and a 400 names the field (`body/force must be boolean`). Query strings, path parameters and
 * headers are text by nature and keep Fastify's coercing Ajv (`?limit=50` is an integer, `?force=true` a boolean).
 */
import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler';

export function typedBodyValidators(): ValidatorFactory {
  const fromPool = AjvCompiler();
  return (externalSchemas, serverOptions) => {
    const textParts = fromPool(externalSchemas, serverOptions);
    if (serverOptions?.mode === 'JTD') return textParts; // JTD never coerces: nothing to turn off
    const bodies = fromPool(externalSchemas, {
      ...serverOptions,
      customOptions: { ...serverOptions?.customOptions, coerceTypes: false },
    });
    return (route) => (route.httpPart === 'body' ? bodies(route) : textParts(route));
  };
}
