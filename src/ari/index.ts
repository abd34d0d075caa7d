/** Asterisk ARI: the adapter factory the composition root calls, and the client pieces tests reuse. */
export { createAriAdapter, type AriAdapter, type AriAdapterOptions } from './adapter.js';
export { AriHttpError, AriTransportError, createAriRest, ariBaseUrl, type AriRest } from './rest.js';
export { createAriEvents, defaultRetryStrategy, type RetryStrategy } from './connection.js';
export { parseFrame, type AriEvent, type ParsedFrame } from './events.js';
export { CallSession, type CallPhase } from './session.js';
