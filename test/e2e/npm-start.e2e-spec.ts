import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, testNatsUrl, trackChild, waitFor } from '@calldesk/testing';
import { connect } from 'nats';

const ROOT = path.join(__dirname, '..', '..');
const OPERATOR = randomBytes(32).toString('base64url');

/**
 * `npm start` as a newcomer runs it: no DATABASE_URL, so Postgres is embedded and initialised from
 * nothing; all eight services ready behind the gateway within 60 s; a signal stops it cleanly.
 */
describe('npm start on a clean machine', () => {
  it('has every service ready within 60 s with an embedded Postgres, and stops with exit code 0', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'calldesk-start-'));
    // Embedded Postgres runs as the postgres user when we are root: it must reach its folder.
    await chmod(dataDir, 0o755);
    try {
      const output = await startUntilReady(path.join(ROOT, 'dist', 'scripts', 'start.js'), dataDir);
      expect(output).not.toContain('kept in');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it("starts its own NATS where none answers, with a user per role: services on theirs, the orchestrator's written down", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'calldesk-start-'));
    await chmod(dataDir, 0o755);
    const natsUrl = `nats://127.0.0.1:${await freePort()}`;
    try {
      await startUntilReady(path.join(ROOT, 'dist', 'scripts', 'start.js'), dataDir, [], {
        natsUrl,
        whileReady: async (output) => {
          const file = /NATS credentials for orchestrator: (\S+)/.exec(output)?.[1];
          expect(file).toBeDefined();
          expect((await stat(file!)).mode & 0o777).toBe(0o600);
          const credentials = JSON.parse(await readFile(file!, 'utf8'));
          await expect(connect({ servers: natsUrl, reconnect: false })).rejects.toThrow(/Authorization Violation/i);
          const orchestrator = await connect({
            servers: credentials.url,
            user: credentials.user,
            pass: credentials.password,
            inboxPrefix: credentials.inboxPrefix,
          });
          try {
            const reply = await orchestrator.request('calendar.v1.slots.find', new TextEncoder().encode('{}'), {
              timeout: 5_000,
            });
            expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({
              error: { code: 'invalid_argument' },
            });
            await expect(
              orchestrator.request('calendar.v1.admin.tenants.list', new TextEncoder().encode('{}'), { timeout: 500 }),
            ).rejects.toThrow();
          } finally {
            await orchestrator.close();
          }
        },
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  /**
   * A clone under /root (mode 0700): Postgres, run as the postgres user for root, can reach
   * neither the checkout's binaries nor its data folder, so both are kept where it can, and found
   * there again on the next start.
   */
  (process.getuid?.() === 0 ? it : it.skip)(
    'as root in a folder the postgres user cannot enter, is ready all the same, and again after a restart',
    async () => {
      const locked = await mkdtemp(path.join(tmpdir(), 'calldesk-locked-'));
      expect((await stat(locked)).mode & 0o777).toBe(0o700);
      // A checkout there made of links to this one's build and modules; --preserve-symlinks keeps
      // Node on the linked paths, so it finds Postgres's binaries inside the locked folder, as it
      // would in a real clone there.
      const checkout = path.join(locked, 'checkout');
      await mkdir(checkout);
      await symlink(path.join(ROOT, 'dist'), path.join(checkout, 'dist'));
      await symlink(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
      const main = path.join(checkout, 'dist', 'scripts', 'start.js');
      const dataDir = path.join(locked, 'data');
      let keptIn: string | undefined;
      try {
        const first = await startUntilReady(main, dataDir, ['--preserve-symlinks', '--preserve-symlinks-main']);
        keptIn = /cannot reach its data folder \S+ and its binaries \S+; kept in (\S+) instead/.exec(first)?.[1];
        expect(keptIn).toBeDefined();
        expect(first).toContain('database system is ready to accept connections');

        const second = await startUntilReady(main, dataDir, ['--preserve-symlinks', '--preserve-symlinks-main']);
        expect(second).toContain(`kept in ${keptIn} instead`);
        // Initialised once: the second start found the data where the first left it.
        expect(second).not.toContain('The files belonging to this database system');
      } finally {
        await rm(locked, { recursive: true, force: true });
        if (keptIn) await rm(keptIn, { recursive: true, force: true });
      }
    },
    180_000,
  );
});

/**
 * Runs the built start script with no DATABASE_URL until the gateway's /v1/status says every
 * service answers (within 60 s; it exiting first fails at once), then SIGTERMs it and expects exit
 * code 0. Answers with everything it printed.
 */
async function startUntilReady(
  main: string,
  dataDir: string,
  nodeOptions: string[] = [],
  options: { natsUrl?: string; whileReady?: (output: string) => Promise<void> } = {},
): Promise<string> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NATS_URL: options.natsUrl ?? (await testNatsUrl()),
    PORT: String(port),
    PG_PORT: String(await freePort()),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    GATEWAY_ADMIN_TOKEN: OPERATOR,
  };
  delete env.DATABASE_URL;
  const started = Date.now();
  const child = spawn(process.execPath, [...nodeOptions, main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve((exitCode = code))));
  try {
    const ready = async () =>
      (await fetch(`http://127.0.0.1:${port}/v1/status`, { headers: { authorization: `Bearer ${OPERATOR}` } }))
        .status === 200;
    await waitFor(async () => exitCode !== undefined || (await ready()), { timeoutMs: 60_000, intervalMs: 250 });
    if (exitCode !== undefined) throw new Error(`it exited with code ${exitCode} before it was ready`);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(output).toContain(`gateway on http://localhost:${port}`);
    await options.whileReady?.(output);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    return output;
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${output.slice(-3_000)}`);
  }
}
