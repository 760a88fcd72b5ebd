import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { natsAnswers } from '@calldesk/messaging';

export interface Nats {
  url: string;
  /** Stops the nats-server this process started, if any. */
  stop(): Promise<void>;
}

/**
 * The NATS at `url` when one answers; otherwise a nats-server with JetStream started on that
 * (local) host and port, its store in `storeDir`.
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
  // Its own process group, so that a terminal's Ctrl-C reaches it only through stop(),
  // after the services have drained.
  const child = spawn(binary, ['-js', '-a', hostname, '-p', port || '4222', '-sd', storeDir], {
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
  return { url, stop };
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
