import { z } from 'zod';
import { baseConfig, ConfigError, loadConfig, setting } from '.';

describe('loadConfig', () => {
  const good = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };

  it('applies defaults and coerces numbers', () => {
    const config = loadConfig(baseConfig, { ...good, NATS_REQUEST_TIMEOUT_MS: '250' });
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.NATS_REQUEST_TIMEOUT_MS).toBe(250);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('names the missing variable in one line', () => {
    expect(() => loadConfig(baseConfig, {})).toThrow(ConfigError);
    expect(() => loadConfig(baseConfig, {})).toThrow(/^config: DATABASE_URL is required/);
  });

  it('names the invalid variable and its value', () => {
    const attempt = () => loadConfig(baseConfig, { ...good, NATS_URL: 'http://nats:4222' });
    expect(attempt).toThrow(
      'config: NATS_URL is invalid ("http://nats:4222"): must be a URL starting with nats:// or tls://',
    );
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: z.coerce.number().default(8080) }, { PORT: ' ' }).PORT).toBe(8080);
  });

  it('rejects a timeout that is not a positive number', () => {
    expect(() => loadConfig(baseConfig, { ...good, SHUTDOWN_GRACE_MS: '-1' })).toThrow(/SHUTDOWN_GRACE_MS/);
  });

  it('reads the shared setting shapes: bounded whole numbers, http URLs, secrets and flags', () => {
    const shape = {
      N: setting.int(1, 10, 5),
      URL: setting.httpUrl().optional(),
      SECRET: setting.secret(),
      ON: setting.flag(),
    };
    expect(loadConfig(shape, {})).toEqual({ N: 5, ON: false });
    expect(loadConfig(shape, { N: '10', URL: 'https://example.com/', SECRET: 'x'.repeat(16), ON: 'true' })).toEqual({
      N: 10,
      URL: 'https://example.com/',
      SECRET: 'x'.repeat(16),
      ON: true,
    });
    expect(() => loadConfig(shape, { N: '11' })).toThrow(/N is invalid/);
    expect(() => loadConfig(shape, { N: '2.5' })).toThrow(/N is invalid/);
    expect(() => loadConfig(shape, { URL: 'ftp://example.com/' })).toThrow(
      'must be a URL starting with http:// or https://',
    );
    expect(() => loadConfig(shape, { SECRET: 'short' })).toThrow('must have at least 16 characters');
    expect(() => loadConfig(shape, { ON: 'yes' })).toThrow(/ON is invalid/);
  });
});
