import { baseConfig, setting } from '@calldesk/config';
import { z } from 'zod';

export const gatewayConfig = {
  ...baseConfig,
  PORT: setting.int(1, 65_535, 8080),
  /** The operator's token for creating tenants and API keys; without it those routes are closed. */
  GATEWAY_ADMIN_TOKEN: setting.secret(32),
  /** How long /v1/status waits for each service's health answer. */
  STATUS_TIMEOUT_MS: setting.int(50, 30_000, 1_500),
  /** Known API keys each instance remembers (least recently used go first); unknown ones are never remembered. */
  API_KEY_CACHE_SIZE: setting.int(100, 10_000_000, 10_000),
  /** How long a remembered key is trusted without the database: the bound on a revocation whose broadcast was missed. */
  API_KEY_CACHE_TTL_MS: setting.int(100, 600_000, 5_000),
};

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayConfig>>;
