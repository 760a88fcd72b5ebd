import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { inboxPrefix, NATS_ROLES, type NatsRole } from '@calldesk/contracts';
import { natsAnswers, natsServerAuthorization } from '@calldesk/messaging';

export interface Nats {
  url: string;
  /** Each role's password on a nats-server this process started; none for a NATS found running. */
  passwords?: Record<NatsRole, string>;
  /** Where the orchestrator's and the operator's credentials were written, when they were. */
  outsideCredentials?: string[];
  /** Stops the nats-server this process started, if any. */
  stop(): Promise<void>;
}

/**
 * The NATS at `url` when one answers (its users, if any, are its owner's business); otherwise a
 * nats-server with JetStream started on that (local) host and port, its store in `storeDir`,
 * with one user per role and its permissions (DESIGN §2): nobody connects anonymously.
 */
export async function ensureNats(url: string, storeDir: string): Promise<Nats> {
  if (await natsAnswers(url)) return { url, stop: async () => undefined };

  const { hostname, port } = new URL(url.includes('://') ? url : `nats://${url}`);
  if (!['127.0.0.1', 'localhost'].includes(hostname)) {
    throw new Error(`NATS is not reachable at ${url}: start it there or set NATS_URL to a NATS that answers`);
  }
  const binary = findNatsServer();
  if (!binary) {
    throw new Error(
      `NATS is not reachable at ${url} and nats-server is not installed: install nats-server (apt-get install nats-server) or set NATS_URL`,
    );
  }

  mkdirSync(storeDir, { recursive: true });
  const passwords = rolePasswords(storeDir);
  const configFile = path.join(storeDir, 'nats.conf');
  writeFileSync(
    configFile,
    natsServerAuthorization((role) => ({ value: passwords[role] })),
    { mode: 0o600 },
  );
  // Its own process group, so that a terminal's Ctrl-C reaches it only through stop(),
  // after the services have drained.
  const child = spawn(binary, ['-c', configFile, '-js', '-a', hostname, '-p', port || '4222', '-sd', storeDir], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  createInterface({ input: child.stderr! }).on('line', (line) => console.log(`[nats] ${line}`));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    process.off('exit', killOnExit);
    // nats-server exits 0 on SIGINT; on SIGTERM it shuts down the same way but exits 1.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
  };

  const deadline = Date.now() + 10_000;
  while (!(await natsAnswers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nats-server did not start on ${hostname}:${port || 4222} (see the [nats] lines above)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const outsideCredentials = (['orchestrator', 'operator'] as const).map((role) => {
    const file = path.join(storeDir, `${role}.json`);
    const credentials = { url, user: role, password: passwords[role], inboxPrefix: inboxPrefix(role) };
    writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    return file;
  });
  return { url, passwords, outsideCredentials, stop };
}

/** Made once per data folder and kept (owner-only), so that the outside roles' credentials stay valid across restarts. */
function rolePasswords(storeDir: string): Record<NatsRole, string> {
  const file = path.join(storeDir, 'passwords.json');
  const saved: Partial<Record<NatsRole, string>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const passwords = Object.fromEntries(
    NATS_ROLES.map((role) => [role, saved[role] ?? randomBytes(24).toString('base64url')]),
  ) as Record<NatsRole, string>;
  writeFileSync(file, JSON.stringify(passwords, null, 2), { mode: 0o600 });
  return passwords;
}

function findNatsServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin'];
  return dirs
    .map((dir) => path.join(dir, 'nats-server'))
    .find((candidate) => {
      try {
        accessSync(candidate, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}
