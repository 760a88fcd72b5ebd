import { baseConfig, setting } from '@calldesk/config';
import { z } from 'zod';

export const gatewayConfig = {
  ...baseConfig,
  PORT: setting.int(1, 65_535, 8080),
  /** The operator's token for creating tenants and API keys; without it those routes are closed. */
  GATEWAY_ADMIN_TOKEN: setting.secret(32),
  /** How long /v1/status waits for each service's health answer. */
  STATUS_TIMEOUT_MS: setting.int(50, 30_000, 1_500),
};

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayConfig>>;
