import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** No file: defaults plus the given environment. */
const fromEnv = (env: Record<string, string>) => loadConfig({ file: null, env, cwd: '/nonexistent' }).config;

function problems(env: Record<string, string>): string[] {
  try {
    fromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('enables a PBX adapter from the environment alone, as the README\'s quick start does', () => {
    expect(fromEnv({}).ari.enabled).toBe(false);
    const config = fromEnv({ CHUT_ARI_ENABLED: 'true', CHUT_ARI_URL: 'http://127.0.0.1:8088', CHUT_ARI_USER: 'chut', CHUT_ARI_PASSWORD: 'pw' });
    expect(config.ari).toMatchObject({ enabled: true, url: 'http://127.0.0.1:8088', user: 'chut', password: 'pw' });
    expect(fromEnv({ CHUT_AMI_ENABLED: 'yes' }).ami.enabled).toBe(true);
    expect(fromEnv({ CHUT_ESL_ENABLED: '1' }).esl.enabled).toBe(true);
    expect(fromEnv({ CHUT_ESL_ENABLED: 'off' }).esl.enabled).toBe(false);
  });

  it('refuses a switch that is neither on nor off, naming the variable', () => {
    expect(problems({ CHUT_AMI_ENABLED: 'maybe' }).join('\n')).toMatch(/^ami\.enabled: .*\(from CHUT_AMI_ENABLED\)$/m);
  });

  it('refuses a port that is not a number, naming the variable instead of reporting NaN', () => {
    const text = problems({ CHUT_AMI_PORT: 'abc' }).join('\n');
    expect(text).toMatch(/^ami\.port: .*\(from CHUT_AMI_PORT\)$/m);
    expect(text).not.toContain('NaN');
    expect(fromEnv({ CHUT_HTTP_PORT: ' 8090 ' }).http.port).toBe(8090);
  });

  it('takes a lower-case default country', () => {
    expect(fromEnv({ CHUT_DEFAULT_COUNTRY: 'be' }).screening.defaultCountry).toBe('BE');
  });

  it('names each variable on its own problem only', () => {
    const text = problems({ CHUT_AMI_PORT: 'abc', CHUT_LOG_LEVEL: 'chatty' }).join('\n');
    expect(text).toMatch(/^log\.level: .*\(from CHUT_LOG_LEVEL\)$/m);
    expect(text.split('\n').filter((l) => l.includes('CHUT_AMI_PORT'))).toHaveLength(1);
  });
});
