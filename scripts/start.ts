import path from 'node:path';
import { SERVICES, type ServiceName } from '@calldesk/contracts';
import { ensureNats } from './embedded-nats';
import { startEmbeddedPostgres } from './embedded-postgres';
import { localSecrets } from './local-secrets';
import { runServices } from './services';

// This file runs as dist/scripts/start.js.
const ROOT = path.resolve(__dirname, '..', '..');
// DATA_DIR moves it, e.g. for a test that must not touch a developer's data.
const DATA = process.env.DATA_DIR ? path.resolve(process.env.DATA_DIR) : path.join(ROOT, '.data');
// Longer than the services' own drain deadline, so they are only SIGKILLed when stuck.
const SHUTDOWN_GRACE_MS = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000) + 5_000;

/** What was started, in order; shutdown() undoes it last first. */
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;

void main();

/** `npm start`: NATS and Postgres (found or started), then all eight services until a signal. */
async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));
  try {
    const nats = await ensureNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', path.join(DATA, 'nats'));
    cleanups.push(nats.stop);
    const databaseUrl = process.env.DATABASE_URL ?? (await embeddedPostgresUrl());
    if (stopping) return;

    const port = process.env.PORT ?? '8080';
    const secrets = localSecrets(DATA, process.env);
    const services = runServices(
      ROOT,
      SERVICES,
      (name) => ({
        ...secrets,
        NATS_URL: nats.url,
        ...(nats.passwords && { NATS_USER: name, NATS_PASSWORD: nats.passwords[name as ServiceName] }),
        DATABASE_URL: databaseUrl,
        ...(name === 'gateway' && { PORT: port }),
      }),
      SHUTDOWN_GRACE_MS,
    );
    cleanups.push(services.exited);
    console.log(
      `gateway on http://localhost:${port}, readiness at /readyz, every service at /v1/status (operator token)`,
    );
    for (const file of nats.outsideCredentials ?? [])
      console.log(`NATS credentials for ${path.basename(file, '.json')}: ${file}`);
    await shutdown((await services.done) ? 0 : 1);
  } catch (error) {
    if (!stopping) console.error((error as Error).message);
    await shutdown(1);
  }
}

async function embeddedPostgresUrl(): Promise<string> {
  const postgres = await startEmbeddedPostgres(path.join(DATA, 'postgres'), Number(process.env.PG_PORT ?? 54329));
  cleanups.push(postgres.stop);
  return postgres.url;
}

/**
 * On a signal, concurrently has already passed it on to the services: wait for them to drain,
 * then stop Postgres, then NATS.
 */
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((error: Error) => console.error(error.message));
  }
  process.exit(code);
}
