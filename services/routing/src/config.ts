import { baseConfig, setting } from '@calldesk/config';
import type { z } from 'zod';

export const routingConfig = {
  ...baseConfig,
  /** Round robin counts each member's live bookings made within this many trailing days. */
  ROUTING_BALANCE_WINDOW_DAYS: setting.int(1, 365, 7),
  /** How long a candidates answer reuses its catalog reads (another instance's edits show within it). */
  ROUTING_CATALOG_CACHE_MS: setting.int(0, 60_000, 2_000),
};

export type RoutingConfig = z.infer<z.ZodObject<typeof routingConfig>>;
