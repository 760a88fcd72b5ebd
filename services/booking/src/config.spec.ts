import { ConfigError, loadConfig } from '@calldesk/config';
import { bookingConfig, checkBookingConfig } from './config';

describe('checkBookingConfig', () => {
  const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };

  it('takes the defaults: a deadline with room for routing and one attempt at its slowest', () => {
    expect(() => checkBookingConfig(loadConfig(bookingConfig, env))).not.toThrow();
  });

  it('refuses, in one line naming it, a deadline too short for routing and one attempt at its slowest', () => {
    const tooShort = loadConfig(bookingConfig, { ...env, BOOKING_DEADLINE_MS: '39999' });
    expect(() => checkBookingConfig(tooShort)).toThrow(ConfigError);
    expect(() => checkBookingConfig(tooShort)).toThrow(
      /^config: BOOKING_DEADLINE_MS is invalid \(39999\): must be at least 40000,/,
    );
    const faster = loadConfig(bookingConfig, {
      ...env,
      BOOKING_DEADLINE_MS: '10000',
      NATS_REQUEST_TIMEOUT_MS: '1000',
      BOOKING_LOCK_WAIT_MS: '1000',
      PROVIDER_WRITE_TIMEOUT_MS: '5000',
    });
    expect(() => checkBookingConfig(faster)).not.toThrow();
  });
});
