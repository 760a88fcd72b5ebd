import { baseConfig, loadConfig } from '@calldesk/config';
import type { ServiceName } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { serviceRoot } from '@calldesk/service-kit';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Entities, Migrations } from '@calldesk/persistence';
import { testNatsUrl } from './nats';

export interface InProcessService {
  app: INestApplicationContext;
  /** The service's own bus: call other services or publish as it would. */
  bus: Bus;
  close(): Promise<void>;
}

export interface InProcessOptions {
  service: ServiceName;
  module: Type;
  databaseUrl: string;
  migrations?: Migrations;
  entities?: Entities;
  /** The service's config shape when it has variables beyond baseConfig. */
  configShape?: typeof baseConfig;
  /** Extra environment for the service's config, over process.env. */
  env?: Record<string, string>;
}

/**
 * Boots a service's module inside the test process, exactly as runService wires it (config, bus,
 * migrated schema, handlers, health), for integration tests that need to reach into it.
 */
export async function startInProcessService(options: InProcessOptions): Promise<InProcessService> {
  const app = await NestFactory.createApplicationContext(await testServiceRoot(options), { logger: false, abortOnError: false });
  await app.init();
  return { app, bus: app.get(Bus), close: () => app.close() };
}

/** A service's root module as runService builds it, configured for the test servers. */
export async function testServiceRoot(options: InProcessOptions): Promise<Type> {
  const config = loadConfig(options.configShape ?? baseConfig, {
    ...process.env,
    // Tests say what failed; services' warnings about other tests' events on the shared stream are noise.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    ...options.env,
    NATS_URL: await testNatsUrl(),
    DATABASE_URL: options.databaseUrl,
  });
  return serviceRoot({ ...options, config, migrations: options.migrations ?? [] });
}
