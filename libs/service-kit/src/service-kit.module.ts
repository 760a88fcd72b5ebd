import { RpcError, type ServiceName } from '@calldesk/contracts';
import { Bus, type StreamLimits } from '@calldesk/messaging';
import { databaseUnavailable, openDataSource } from '@calldesk/persistence';
import { createLogger } from '@calldesk/telemetry';
import { Global, Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Entities, Migrations } from '@calldesk/persistence';
import { DataSource } from 'typeorm';
import type { BaseConfig } from '@calldesk/config';
import { HandlerRegistry } from './handler-registry';
import { HealthService } from './health';
import { ConnectionsLifecycle } from './connections-lifecycle';
import { LOGGER, SERVICE_CONFIG, SERVICE_NAME } from './tokens';

export interface ServiceKitOptions {
  service: ServiceName;
  config: BaseConfig;
  migrations: Migrations;
  entities?: Entities;
}

/**
 * What every service has: its config, logger, NATS bus (connected, streams ensured), its
 * Postgres schema (migrated), the handler registry and the health answer.
 */
@Global()
@Module({})
export class ServiceKitModule {
  static forRoot(options: ServiceKitOptions): DynamicModule {
    const logger = createLogger(options.service, options.config.LOG_LEVEL);
    const providers: Provider[] = [
      { provide: SERVICE_NAME, useValue: options.service },
      { provide: SERVICE_CONFIG, useValue: options.config },
      { provide: LOGGER, useValue: logger },
      {
        provide: Bus,
        useFactory: async () => {
          const bus = await Bus.connect({
            url: options.config.NATS_URL,
            service: options.service,
            requestTimeoutMs: options.config.NATS_REQUEST_TIMEOUT_MS,
            replicas: options.config.JETSTREAM_REPLICAS,
            streamLimits: streamLimitsOf(options.config),
            logger,
            classifyError: (error) =>
              databaseUnavailable(error)
                ? new RpcError('unavailable', 'the database is unavailable; retry', { service: options.service })
                : undefined,
            identity: {
              user: options.config.NATS_USER,
              password: options.config.NATS_PASSWORD,
              credsFile: options.config.NATS_CREDS,
              tlsCaFile: options.config.NATS_TLS_CA,
              tlsCertFile: options.config.NATS_TLS_CERT,
              tlsKeyFile: options.config.NATS_TLS_KEY,
            },
          });
          await bus.events.ensureStreams();
          return bus;
        },
      },
      {
        provide: DataSource,
        useFactory: () =>
          openDataSource({
            url: options.config.DATABASE_URL,
            schema: options.service.replace(/-/g, '_'),
            migrations: options.migrations,
            entities: options.entities,
            applicationName: options.service,
            poolSize: options.config.DATABASE_POOL_SIZE,
          }),
      },
      HealthService,
      HandlerRegistry,
      ConnectionsLifecycle,
    ];
    return {
      module: ServiceKitModule,
      imports: [DiscoveryModule],
      providers,
      exports: [SERVICE_NAME, SERVICE_CONFIG, LOGGER, Bus, DataSource, HealthService],
    };
  }
}

/** The root module of a running service: the kit and the service's feature module. */
export function serviceRoot(options: ServiceKitOptions & { module: Type }): Type {
  @Module({ imports: [ServiceKitModule.forRoot(options), options.module] })
  class ServiceRoot {}
  return ServiceRoot;
}

const HOUR_MS = 3_600_000;

function streamLimitsOf(config: BaseConfig): StreamLimits {
  return {
    events: { maxAgeMs: config.EVENT_STREAM_MAX_AGE_HOURS * HOUR_MS, maxBytes: config.EVENT_STREAM_MAX_BYTES },
    deadLetters: {
      maxAgeMs: config.DEAD_LETTER_STREAM_MAX_AGE_HOURS * HOUR_MS,
      maxBytes: config.DEAD_LETTER_STREAM_MAX_BYTES,
    },
  };
}
