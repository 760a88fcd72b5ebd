import type { MixedList } from 'typeorm';
import { baseConfig, loadConfig } from '@calldesk/config';
import type { ServiceName } from '@calldesk/contracts';
import { serviceRoot } from '@calldesk/service-kit';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { testNatsUrl } from '../nats';
import { freePort } from '../processes';

export interface InProcessHttpService {
  app: INestApplication;
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

/**
 * Like startInProcessService, but serving HTTP on a free port of 127.0.0.1: for the gateway, so
 * that fake providers can post webhooks to it and browsers (tests) follow OAuth redirects to it.
 */
export async function startInProcessHttpService(options: {
  service: ServiceName;
  module: Type;
  databaseUrl: string;
  configShape?: typeof baseConfig;
  migrations?: MixedList<Function | string>;
  env?: Record<string, string>;
}): Promise<InProcessHttpService> {
  const config = loadConfig(options.configShape ?? baseConfig, {
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...options.env,
    NATS_URL: await testNatsUrl(),
    DATABASE_URL: options.databaseUrl,
  });
  const root = serviceRoot({ service: options.service, module: options.module, config, migrations: options.migrations ?? [] });
  const app = await NestFactory.create(root, { logger: false, abortOnError: false });
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
