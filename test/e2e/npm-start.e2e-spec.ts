import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, testNatsUrl, trackChild, waitFor } from '@calldesk/testing';

/**
 * `npm start` as a newcomer runs it: no DATABASE_URL, so Postgres is embedded and initialised from
 * nothing; all eight services ready behind the gateway within 60 s; a signal stops it cleanly.
 */
describe('npm start on a clean machine', () => {
  it('serves /readyz within 60 s with an embedded Postgres, and stops with exit code 0', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'calldesk-start-'));
    // Embedded Postgres runs as the postgres user when we are root: it must reach its folder.
    await chmod(dataDir, 0o755);
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NATS_URL: await testNatsUrl(),
      PORT: String(port),
      PG_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    delete env.DATABASE_URL;
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'dist', 'scripts', 'start.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, { timeoutMs: 60_000, intervalMs: 250 });
      const readyAfterMs = Date.now() - started;
      expect(readyAfterMs).toBeLessThan(60_000);
      expect(output).toContain(`gateway on http://localhost:${port}`);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${output.slice(-3_000)}`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
