import { baseConfig, bookingDeadlineConfig, setting } from '@calldesk/config';
import type { z } from 'zod';

export const gatewayConfig = {
  ...baseConfig,
  /** Booking's BOOKING_DEADLINE_MS: creates and reschedules are waited for that long and a margin, other calls NATS_REQUEST_TIMEOUT_MS. */
  ...bookingDeadlineConfig,
  PORT: setting.int(1, 65_535, 8080),
  /** The operator's token for creating tenants and API keys; without it those routes are closed. */
  GATEWAY_ADMIN_TOKEN: setting.secret(32),
  /** How long /v1/status waits for each service's health answer. */
  STATUS_TIMEOUT_MS: setting.int(50, 30_000, 1_500),
  /** Known API keys each instance remembers (least recently used go first); unknown ones are never remembered. */
  API_KEY_CACHE_SIZE: setting.int(100, 10_000_000, 10_000),
  /** How long a remembered key is trusted without the database: the bound on a revocation whose broadcast was missed. */
  API_KEY_CACHE_TTL_MS: setting.int(100, 600_000, 5_000),
  /** Calls a second each API key may make, and at once; beyond them 429 with Retry-After. */
  RATE_LIMIT_KEY_PER_SECOND: setting.int(1, 100_000, 50),
  RATE_LIMIT_KEY_BURST: setting.int(1, 100_000, 100),
  /** The same for calls from one client address without a valid key: strangers' guesses, the OAuth redirect. */
  RATE_LIMIT_ADDRESS_PER_SECOND: setting.int(1, 100_000, 5),
  RATE_LIMIT_ADDRESS_BURST: setting.int(1, 100_000, 20),
  /** Keys and addresses whose counts each instance keeps (the least recently seen go first): about 150 bytes each. */
  RATE_LIMIT_TRACKED: setting.int(1_000, 10_000_000, 50_000),
  /** Proxies in front of the gateway whose X-Forwarded-For is believed; 0 when callers reach it directly. */
  TRUST_PROXY_HOPS: setting.int(0, 10, 0),
  /** Live event streams (GET /v1/events) one API key may hold open on each instance; beyond them 429. */
  LIVE_EVENTS_STREAMS_PER_KEY: setting.int(1, 10_000, 20),
  /** Bytes a live stream may have waiting for its client; a client further behind is dropped. */
  LIVE_EVENTS_MAX_BUFFERED_BYTES: setting.int(64 * 1024, 64 * 1024 * 1024, 1024 * 1024),
  /** How long a live stream's client may leave its buffer full before it is dropped. */
  LIVE_EVENTS_DRAIN_TIMEOUT_MS: setting.int(100, 600_000, 10_000),
  /** How long an owner's dashboard session lasts from sign-in; signing out ends it sooner. */
  SESSION_TTL_MINUTES: setting.int(5, 43_200, 720),
  /**
   * Other origins whose pages may call the API from a browser (e.g. https://app.example.com),
   * comma-separated. The dashboard the gateway serves needs none.
   */
  CORS_ORIGINS: setting
    .list()
    .refine(
      (origins) => origins.every(isOrigin),
      'must be origins such as https://app.example.com (scheme, host and port only), comma-separated',
    ),
};

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayConfig>>;
