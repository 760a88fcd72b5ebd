import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  name: string;
  pid: number;
  /** Every stdout and stderr line so far, in arrival order. */
  logs(): string[];
  /** Resolves with the first line (already logged or still to come) matching `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (unless the process has already exited) and resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<ExitResult>;
  kill(): void;
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Runs `node dist/services/<name>/src/main.js` with `env` over process.env. */
export function startService(name: string, env: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
  return startBuilt(name, path.join('services', name, 'src', 'main.js'), env);
}

/** Runs the built script `dist/<script>` (e.g. `scripts/chaos/connector-process.js`) as `name`, with `env` over process.env. */
export async function startBuilt(name: string, script: string, env: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
  const root = repoRoot();
  const main = path.join(root, 'dist', script);
  if (!existsSync(main)) {
    throw new Error(`${path.relative(root, main)} not found: run npm run build first`);
  }
  const child = spawn(process.execPath, [main], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });

  const lines: string[] = [];
  const lineListeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      lines.push(line);
      lineListeners.forEach((listener) => listener(line));
    });
  }
  // 'close' rather than 'exit': it comes after the last output line has been read.
  const exited = new Promise<ExitResult>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });

  return {
    name,
    pid: child.pid!,
    logs: () => [...lines],
    waitForLog(pattern, timeoutMs = 10_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const done = (settle: () => void) => {
          clearTimeout(timer);
          lineListeners.delete(onLine);
          settle();
        };
        const onLine = (line: string) => {
          if (pattern.test(line)) done(() => resolve(line));
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`${name}: no log line matched ${pattern} within ${timeoutMs} ms${tail(lines)}`)),
            ),
          timeoutMs,
        );
        lineListeners.add(onLine);
        void exited.then(({ code, signal }) =>
          done(() =>
            reject(
              new Error(`${name} exited (code ${code}, signal ${signal}) before logging ${pattern}${tail(lines)}`),
            ),
          ),
        );
      });
    },
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    kill: () => void child.kill('SIGKILL'),
  };
}

/** Polls `predicate` until it returns true; a throwing predicate counts as false. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 50 }: WaitForOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await predicate()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`condition not met within ${timeoutMs} ms${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** SIGKILLs `child` if this process exits first, so no test leaves servers behind. */
export function trackChild(child: ChildProcess): void {
  if (liveChildren.size === 0) process.on('exit', killLiveChildren);
  liveChildren.add(child);
  const forget = () => {
    liveChildren.delete(child);
    if (liveChildren.size === 0) process.off('exit', killLiveChildren);
  };
  child.once('exit', forget);
  child.once('error', forget);
}

const liveChildren = new Set<ChildProcess>();

function killLiveChildren(): void {
  liveChildren.forEach((child) => child.kill('SIGKILL'));
}

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

function tail(lines: string[]): string {
  return lines.length ? `; last lines:\n${lines.slice(-20).join('\n')}` : '; no output';
}
