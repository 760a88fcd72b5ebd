import { baseConfig } from '@calldesk/config';
import { z } from 'zod';

export const gatewayConfig = {
  ...baseConfig,
  PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
  /** The operator's token for creating tenants and API keys; without it those routes are closed. */
  GATEWAY_ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How long /readyz waits for each service's health answer. */
  READINESS_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1_500),
};

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayConfig>>;
