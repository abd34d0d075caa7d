/** `node --import` this to register slow-load-hooks.mjs (see there). */
import { register } from 'node:module';

register('./slow-load-hooks.mjs', import.meta.url);
