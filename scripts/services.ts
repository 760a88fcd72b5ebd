import { existsSync } from 'node:fs';
import path from 'node:path';
import { concurrently } from 'concurrently';

export interface RunningServices {
  /** Settles once every service has exited: true when all exited 0 (or on SIGINT, as concurrently counts it). */
  done: Promise<boolean>;
  /** Waits for the services to exit, SIGKILLing those still running after the grace period. */
  exited(): Promise<void>;
}

/**
 * Runs each built service as `node dist/services/<name>/src/main.js`, its output prefixed with
 * its name. concurrently passes SIGINT/SIGTERM/SIGHUP received here on to every service.
 */
export function runServices(
  root: string,
  names: readonly string[],
  env: (name: string) => NodeJS.ProcessEnv,
  graceMs: number,
): RunningServices {
  const mains = names.map((name) => path.join('dist', 'services', name, 'src', 'main.js'));
  const missing = mains.filter((main) => !existsSync(path.join(root, main)));
  if (missing.length) throw new Error(`not built: ${missing.join(', ')}; run npm run build`);

  const { result, commands } = concurrently(
    // exec: the shell concurrently wraps commands in gives way to node, so signals and exit codes
    // are the service's own.
    names.map((name, i) => ({ name, command: `exec "${process.execPath}" ${mains[i]}`, env: env(name) })),
    {
      cwd: root,
      prefix: 'name',
      padPrefix: true,
      // One service down brings all down rather than restarting it: a restart loop would bury
      // the first error in a scrolling log, and a half-running stack (with /v1/status at 503) looks
      // alive; a crash that stops `npm start` with the service's last lines above is seen and fixed.
      killOthersOn: ['failure'],
      killSignal: 'SIGTERM',
      killTimeout: graceMs,
    },
  );
  const done = result.then(
    () => true,
    () => false,
  );
  return {
    done,
    async exited() {
      const timer = setTimeout(() => commands.forEach((command) => command.kill('SIGKILL')), graceMs);
      await done;
      clearTimeout(timer);
    },
  };
}
