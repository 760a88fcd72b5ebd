import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freeLoopbackPorts, waitFor } from '@calldesk/testing';
import { startEmbeddedPostgres, type Postgres } from '../embedded-postgres';

/**
 * The embedded Postgres `npm start` runs, on a loopback port of its own with its data in
 * `folder`. A crash is kill -9 of the postmaster and every process it forked, all at once (as
 * when its machine or container dies); it comes back on the same port and data, after recovery.
 */
export class ChaosPostgres {
  private constructor(
    private server: Postgres,
    private readonly dataDir: string,
    private readonly port: number,
    private readonly log: (line: string) => void,
  ) {}

  static async start(folder: string, log: (line: string) => void): Promise<ChaosPostgres> {
    // Postgres runs as the OS user postgres when we are root: it must be able to enter the folder.
    chmodSync(folder, 0o755);
    const [port] = await freeLoopbackPorts(1);
    const dataDir = path.join(folder, 'postgres');
    return new ChaosPostgres(await startEmbeddedPostgres(dataDir, port, { log }), dataDir, port, log);
  }

  get url(): string {
    return this.server.url;
  }

  get pid(): number {
    return this.server.pid;
  }

  /** kill -9 of the postmaster and its children; resolves once they are all gone. */
  async kill(): Promise<void> {
    const victims = [this.server.pid, ...childrenOf(this.server.pid)];
    for (const pid of victims) signal(pid, 'SIGKILL');
    await waitFor(() => victims.every((pid) => !alive(pid)), { timeoutMs: 10_000 });
  }

  /** Starts it again on its data, through crash recovery. */
  async restart(): Promise<void> {
    this.server = await startEmbeddedPostgres(this.dataDir, this.port, { log: this.log });
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fourth field of /proc/<pid>/stat is the parent; the name before it may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parentPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parentPid === parent) children.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return children;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
