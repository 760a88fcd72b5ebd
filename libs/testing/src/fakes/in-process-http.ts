import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { testServiceRoot, type InProcessOptions } from '../in-process-service';
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
export async function startInProcessHttpService(options: InProcessOptions): Promise<InProcessHttpService> {
  const root = await testServiceRoot(options);
  const app = await NestFactory.create(root, { logger: false, abortOnError: false });
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
