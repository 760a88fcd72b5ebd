import { baseConfig } from '@calldesk/config';
import { z } from 'zod';

export const routingConfig = {
  ...baseConfig,
  /** Round robin counts each member's live bookings made within this many trailing days. */
  ROUTING_BALANCE_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  /** How long a candidates answer reuses its catalog reads (another instance's edits show within it). */
  ROUTING_CATALOG_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
};

export type RoutingConfig = z.infer<z.ZodObject<typeof routingConfig>>;
