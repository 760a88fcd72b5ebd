import { z } from 'zod';

const url = (schemes: string[]) =>
  z
    .string()
    .url()
    .refine((value) => schemes.some((scheme) => value.startsWith(`${scheme}://`)), {
      message: `must be a ${schemes.join(' or ')} URL`,
    });

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).max(600_000).default(fallback);

/** What every service reads. Services extend it with their own variables. */
export const baseConfig = {
  NATS_URL: url(['nats', 'tls']).default('nats://127.0.0.1:4222'),
  DATABASE_URL: url(['postgres', 'postgresql']),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  NATS_REQUEST_TIMEOUT_MS: milliseconds(5_000),
  SHUTDOWN_GRACE_MS: milliseconds(10_000),
  /** Copies JetStream keeps of each stream and bucket: 1 on one server, 3 on a 3-node cluster. */
  JETSTREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Connections each instance keeps to Postgres. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  HEALTH_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http', 'https']).optional(),
};

export type BaseConfig = z.infer<z.ZodObject<typeof baseConfig>>;
