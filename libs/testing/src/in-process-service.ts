import { loadConfig } from '@calldesk/config';
import type { ServiceName } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { serviceRoot } from '@calldesk/service-kit';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { testNatsUrl } from './nats';
import { serviceParts } from './services';

export interface InProcessService {
  app: INestApplicationContext;
  /** The service's own bus: call other services or publish as it would. */
  bus: Bus;
  close(): Promise<void>;
}

export interface InProcessOptions {
  service: ServiceName;
  databaseUrl: string;
  /** A part of the service's module in its place, for a spec of the service that needs no more. */
  module?: Type;
  /** Extra environment for the service's config, over process.env. */
  env?: Record<string, string>;
}

/**
 * Boots a service's module inside the test process, exactly as runService wires it (config, bus,
 * migrated schema, handlers, health), for integration tests that need to reach into it.
 */
export async function startInProcessService(options: InProcessOptions): Promise<InProcessService> {
  const app = await NestFactory.createApplicationContext(await testServiceRoot(options), {
    logger: false,
    abortOnError: false,
  });
  await app.init();
  return { app, bus: app.get(Bus), close: () => app.close() };
}

/** A service's root module as runService builds it, configured for the test servers. */
export async function testServiceRoot(options: InProcessOptions): Promise<Type> {
  const { module, migrations, configShape } = await serviceParts(options.service);
  const config = loadConfig(configShape, {
    ...process.env,
    // Tests say what failed; services' warnings about other tests' events on the shared stream are noise.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    ...options.env,
    NATS_URL: await testNatsUrl(),
    DATABASE_URL: options.databaseUrl,
  });
  return serviceRoot({ service: options.service, module: options.module ?? module, config, migrations });
}
