/** Asterisk AMI: the adapter factory the composition root calls, and the pieces tests reuse. */
export { createAmiAdapter, type AmiAdapter, type AmiAdapterOptions } from './adapter.js';
export { createAmiConnection, defaultRetryStrategy, AmiNotReadyError, AmiActionError, type AmiConnection, type RetryStrategy } from './connection.js';
export { toAmiEvent, decodeValue, type AmiEvent, type CaptchaReport } from './events.js';
export { endpointOf } from './monitor.js';
export { AmiValueError, checkAction, type AmiAction } from './values.js';
export { amiConfigProblems } from './config-check.js';
