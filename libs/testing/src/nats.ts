import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { natsAnswers } from '@calldesk/messaging';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { type ExitResult, freePort, trackChild } from './processes';
import { containerRuntimeAnswers } from './container-runtime';

export interface PrivateNatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Stops the server (SIGINT by default; SIGKILL simulates a crash); removes the store unless the caller supplied it. */
  stop(signal?: NodeJS.Signals): Promise<ExitResult>;
}

export interface PrivateNatsOptions {
  /** Reuse a port, e.g. to restart a stopped server where clients expect it. */
  port?: number;
  /** Reuse a JetStream store, e.g. to restart a stopped server with its streams. */
  storeDir?: string;
  /** A server config file (users and permissions, say); the flags above still apply. */
  configFile?: string;
}

/** A NATS with JetStream for tests: NATS_URL, else a container, else a clear error. */
export function testNatsUrl(): Promise<string> {
  sharedUrl ??= resolveNatsUrl();
  return sharedUrl;
}

/** A nats-server of the test's own, for tests that must stop, kill or restart NATS. */
export async function startPrivateNatsServer(options: PrivateNatsOptions = {}): Promise<PrivateNatsServer> {
  const port = options.port ?? (await freePort());
  const storeDir = options.storeDir ?? (await mkdtemp(path.join(tmpdir(), 'calldesk-nats-')));
  const url = `nats://127.0.0.1:${port}`;
  const config = options.configFile ? ['-c', options.configFile] : [];
  const child = spawn(NATS_SERVER, [...config, '-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  trackChild(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.on('error', (error) => (output += `${error.message}\n`));
  let closed: ExitResult | undefined;
  const exited = new Promise<ExitResult>((resolve) =>
    child.once('close', (code, signal) => resolve((closed = { code, signal }))),
  );

  // SIGINT: nats-server shuts down the same way on SIGTERM but then exits 1.
  const stop = async (signal: NodeJS.Signals = 'SIGINT') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const result = await exited;
    if (!options.storeDir) await rm(storeDir, { recursive: true, force: true });
    return result;
  };
  const deadline = Date.now() + 10_000;
  while (!(await natsAnswers(url))) {
    if (closed || Date.now() > deadline) {
      await stop('SIGKILL');
      const why = closed ? `exited (code ${closed.code})` : 'did not accept connections within 10 s';
      throw new Error(`${NATS_SERVER} on port ${port} ${why}: ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, port, storeDir, stop };
}

export const NATS_SERVER = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';

let sharedUrl: Promise<string> | undefined;

async function resolveNatsUrl(): Promise<string> {
  const fromEnv = process.env.NATS_URL;
  if (fromEnv) {
    if (!(await natsAnswers(fromEnv)))
      throw new Error(`NATS_URL is set to ${fromEnv} but no NATS server answers there`);
    return fromEnv;
  }
  if (!(await containerRuntimeAnswers())) {
    throw new Error('Set NATS_URL (e.g. nats://127.0.0.1:4222) or start a container runtime');
  }
  const container: StartedTestContainer = await new GenericContainer('nats:2.10')
    .withCommand(['-js'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  return `nats://${container.getHost()}:${container.getMappedPort(4222)}`;
}
