import { describe, it, expect } from 'vitest';
import { defaultBackoff, webhookTarget } from '../../../src/notify/webhook.js';

describe('webhookTarget', () => {
  it('moves URL credentials into a Basic Authorization header and out of the URL', () => {
    const t = webhookTarget('https://hook%40user:p%3Ass@hooks.example.org:8443/path/s3cret?token=abc');
    expect(t.url).toBe('https://hooks.example.org:8443/path/s3cret?token=abc');
    expect(t.headers.authorization).toBe(`Basic ${Buffer.from('hook@user:p:ss').toString('base64')}`);
    expect(t.headers['content-type']).toBe('application/json');
  });

  it('logs only the origin: no path, query or credentials', () => {
    const t = webhookTarget('https://u:pw@hooks.example.org/T000/B000/XXXX?token=abc');
    expect(t.origin).toBe('https://hooks.example.org');
  });

  it('sends no Authorization header when the URL has no credentials', () => {
    expect(webhookTarget('http://127.0.0.1:9000/x').headers.authorization).toBeUndefined();
  });
});

describe('defaultBackoff', () => {
  it('doubles from about 1 s, with jitter, and never exceeds 30 s (+20 %)', () => {
    for (let i = 0; i < 50; i++) {
      const first = defaultBackoff(0);
      expect(first).toBeGreaterThanOrEqual(800);
      expect(first).toBeLessThanOrEqual(1200);
      const third = defaultBackoff(2);
      expect(third).toBeGreaterThanOrEqual(3200);
      expect(third).toBeLessThanOrEqual(4800);
      expect(defaultBackoff(20)).toBeLessThanOrEqual(36_000);
      expect(defaultBackoff(20)).toBeGreaterThanOrEqual(24_000);
    }
  });
});
