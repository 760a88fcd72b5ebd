import { z } from 'zod';
import { setting } from './settings';

const milliseconds = (fallback: number) => setting.int(1, 600_000, fallback);

/** What every service reads. Services extend it with their own variables. */
export const baseConfig = {
  NATS_URL: setting.url(['nats', 'tls']).default('nats://127.0.0.1:4222'),
  /**
   * This service's NATS identity (DESIGN §2: each connection has its own, with its subject
   * permissions): a user and password, or a creds file (JWT and nkey seed).
   */
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  NATS_CREDS: z.string().min(1).optional(),
  /** TLS: the CA that signed the server's certificate, and a client certificate where the server asks for one. */
  NATS_TLS_CA: z.string().min(1).optional(),
  NATS_TLS_CERT: z.string().min(1).optional(),
  NATS_TLS_KEY: z.string().min(1).optional(),
  DATABASE_URL: setting.url(['postgres', 'postgresql']),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  NATS_REQUEST_TIMEOUT_MS: milliseconds(5_000),
  SHUTDOWN_GRACE_MS: milliseconds(10_000),
  /** Copies JetStream keeps of each stream and bucket: 1 on one server, 3 on a 3-node cluster. */
  JETSTREAM_REPLICAS: setting.int(1, 5, 1),
  /**
   * How long and how many bytes CALENDAR_EVENTS keeps (the oldest events go first). Every service
   * brings the stream to these at start, so set them alike everywhere. A projection whose events
   * aged out is rebuilt from its owner's data.
   */
  EVENT_STREAM_MAX_AGE_HOURS: setting.int(1, 87_600, 168),
  EVENT_STREAM_MAX_BYTES: setting.int(1_048_576, 2 ** 50, 1_073_741_824),
  /** The same for CALENDAR_DEAD_LETTERS, where events no handler could take wait for an operator. */
  DEAD_LETTER_STREAM_MAX_AGE_HOURS: setting.int(1, 87_600, 720),
  DEAD_LETTER_STREAM_MAX_BYTES: setting.int(1_048_576, 2 ** 50, 268_435_456),
  /** Connections each instance keeps to Postgres. */
  DATABASE_POOL_SIZE: setting.int(1, 200, 10),
  HEALTH_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: setting.httpUrl().optional(),
};

export type BaseConfig = z.infer<z.ZodObject<typeof baseConfig>>;
