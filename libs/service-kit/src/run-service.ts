import { type baseConfig, ConfigError, loadConfig, type BaseConfig } from '@calldesk/config';
import type { ServiceName } from '@calldesk/contracts';
import { createLogger } from '@calldesk/telemetry';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Entities, Migrations } from '@calldesk/persistence';
import type { z } from 'zod';
import { startHealthServer } from './health-server';
import { HealthService } from './health';
import { NestLogger } from './nest-logger';
import { serviceRoot } from './service-kit.module';

export interface ServiceDefinition<Shape extends typeof baseConfig> {
  service: ServiceName;
  /** The service's feature module. */
  module: Type;
  /** baseConfig plus the service's own variables. */
  config: Shape;
  /** Rules across variables, which a shape cannot say: throws a ConfigError naming the variable. */
  checkConfig?: (config: z.infer<z.ZodObject<Shape>>) => void;
  migrations?: Migrations;
  entities?: Entities;
  /** Only the gateway: serve HTTP on this port (NATS handlers run either way). */
  httpPort?: (config: z.infer<z.ZodObject<Shape>>) => number;
}

/**
 * Starts a service: config first (a bad value stops it with one line naming the variable), then
 * Nest, then the optional health port. SIGTERM or SIGINT stops taking work, finishes what is
 * held, closes the database and exits 0.
 */
export async function runService<Shape extends typeof baseConfig>(definition: ServiceDefinition<Shape>): Promise<void> {
  let config: z.infer<z.ZodObject<Shape>> & BaseConfig;
  try {
    config = loadConfig(definition.config) as typeof config;
    definition.checkConfig?.(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${definition.service}: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(definition.service, config.LOG_LEVEL);

  const ServiceRoot = serviceRoot({ ...definition, config, migrations: definition.migrations ?? [] });
  let app: INestApplicationContext;
  try {
    const options = { logger: new NestLogger(logger), abortOnError: false };
    if (definition.httpPort) {
      const http = await NestFactory.create(ServiceRoot, options);
      await http.listen(definition.httpPort(config));
      app = http;
    } else {
      app = await NestFactory.createApplicationContext(ServiceRoot, options);
      await app.init();
    }
  } catch (error) {
    logger.error('start failed', { error: (error as Error).stack ?? String(error) });
    process.exit(1);
  }

  const healthServer = config.HEALTH_PORT
    ? await startHealthServer(config.HEALTH_PORT, app.get(HealthService))
    : undefined;

  let stopping = false;
  const stop = async (signal: string) => {
    // A second signal while stopping (a terminal's Ctrl-C reaches every process) changes nothing.
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long', { graceMs: config.SHUTDOWN_GRACE_MS });
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    deadline.unref();
    healthServer?.close();
    await app.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  logger.info('started', { pid: process.pid });
}
