import { describe, expect, it } from 'vitest';
import { clientErrorAnswer, nodeRequestTimeout, REQUEST_LIMITS } from '../../../src/http/request-limits.js';

describe('clientErrorAnswer', () => {
  it('answers Node\'s refusals with the documented codes', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(clientErrorAnswer(err('ERR_HTTP_REQUEST_TIMEOUT'))).toEqual([408, 'request-timeout', 'the request did not arrive in time (its headers within 1 min); nothing was applied']);
    expect(clientErrorAnswer(err('HPE_HEADER_OVERFLOW'))?.slice(0, 2)).toEqual([431, 'too-large']);
    expect(clientErrorAnswer(err('HPE_INVALID_METHOD'))).toEqual([400, 'bad-request', 'the request is not valid HTTP/1.1 (HPE_INVALID_METHOD); nothing was applied']);
    expect(clientErrorAnswer(err('ECONNRESET'))).toBeNull();
  });

  it('leaves Node\'s whole-request limit behind the import\'s own, so the import\'s answer comes first', () => {
    expect(nodeRequestTimeout(REQUEST_LIMITS)).toBeGreaterThan(REQUEST_LIMITS.importMs);
  });
});
