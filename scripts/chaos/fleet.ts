import { readFileSync } from 'node:fs';
import type { NatsRole } from '@calldesk/contracts';
import { freePort, metricValue, startBuilt, type ServiceProcess } from '@calldesk/testing';

/** A V8 heap in bytes: what its spaces hold from the system, and what of it is in use. */
export interface Heap {
  physical: number;
  used: number;
}

export type Kind = 'routing' | 'availability' | 'booking' | 'notifications' | 'connector';

const SCRIPTS: Record<Kind, string> = {
  routing: 'services/routing/src/main.js',
  availability: 'services/availability/src/main.js',
  booking: 'services/booking/src/main.js',
  notifications: 'services/notifications/src/main.js',
  connector: 'scripts/chaos/connector-process.js',
};

/** Each kind's NATS user: the provider connector plays Google's connector. */
const ROLES: Record<Kind, NatsRole> = {
  routing: 'routing',
  availability: 'availability',
  booking: 'booking',
  notifications: 'notifications',
  connector: 'connector-google',
};

interface Member {
  kind: Kind;
  env: Record<string, string>;
  current: ServiceProcess;
  /** Every process this instance has been, oldest first: a restart keeps the earlier logs. */
  lives: ServiceProcess[];
}

/**
 * The services as processes (the built code, as `npm start` runs it), each instance named
 * `<kind>-<n>`, connected to the cluster's nodes in turn so that a node's loss takes some of
 * every kind's connections. Instances are killed, restarted, frozen and measured by name.
 */
export class Fleet {
  private readonly members = new Map<string, Member>();
  private connections = 0;

  constructor(
    private readonly env: Record<string, string>,
    private readonly natsUrls: string[],
    /** The environment that names an instance's NATS user, by its role. */
    private readonly identityEnv: (role: NatsRole) => Record<string, string>,
  ) {}

  /** Starts instance `<kind>-<index>`; resolves once it has said it started. */
  async start(kind: Kind, index: number, env: Record<string, string> = {}): Promise<string> {
    const name = `${kind}-${index}`;
    const memberEnv = {
      ...this.env,
      ...this.identityEnv(ROLES[kind]),
      NATS_URL: this.natsUrls[this.connections++ % this.natsUrls.length],
      // Where the services serve /metrics (the provider connector, a script, has none).
      ...(kind === 'connector' ? {} : { HEALTH_PORT: String(await freePort()) }),
      ...env,
    };
    const current = await launch(name, kind, memberEnv);
    this.members.set(name, { kind, env: memberEnv, current, lives: [current] });
    return name;
  }

  names(kind?: Kind): string[] {
    return [...this.members].filter(([, m]) => !kind || m.kind === kind).map(([name]) => name);
  }

  pid(name: string): number {
    return this.member(name).current.pid;
  }

  /** kill -9; resolves once it is gone. */
  async kill(name: string): Promise<void> {
    const { current } = this.member(name);
    current.kill();
    await current.stop();
  }

  /**
   * Starts an instance again (stopping it first if it still runs), with its environment and its
   * NATS node, and `env` over them for this life only.
   */
  async restart(name: string, env: Record<string, string> = {}): Promise<void> {
    const member = this.member(name);
    await member.current.stop();
    member.current = await launch(name, member.kind, { ...member.env, ...env });
    member.lives.push(member.current);
  }

  /** SIGSTOP: the process holds its connections and answers nothing, as in a long pause. */
  freeze(name: string): void {
    process.kill(this.pid(name), 'SIGSTOP');
  }

  thaw(name: string): void {
    process.kill(this.pid(name), 'SIGCONT');
  }

  /** Resident memory of every instance, in bytes (VmRSS). */
  rss(): Record<string, number> {
    const sizes: Record<string, number> = {};
    for (const name of this.members.keys()) {
      const status = readFileSync(`/proc/${this.pid(name)}/status`, 'utf8');
      sizes[name] = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    }
    return sizes;
  }

  /**
   * Each service instance's V8 heap, in bytes, from its /metrics: what its heap spaces hold from
   * the system and what of it is in use (live objects and garbage not yet collected).
   */
  async heaps(): Promise<Record<string, Heap>> {
    const heaps: Record<string, Heap> = {};
    await Promise.all(
      [...this.members].map(async ([name, { env }]) => {
        if (!env.HEALTH_PORT) return;
        const text = await (await fetch(`http://127.0.0.1:${env.HEALTH_PORT}/metrics`)).text();
        heaps[name] = {
          physical: metricValue(text, 'v8js_memory_heap_space_physical_size') ?? 0,
          used: metricValue(text, 'v8js_memory_heap_used') ?? 0,
        };
      }),
    );
    return heaps;
  }

  /** Every line each instance wrote, across its restarts. */
  logs(): Record<string, string[]> {
    return Object.fromEntries(this.names().map((name) => [name, this.logsOf(name)]));
  }

  logsOf(name: string): string[] {
    return this.member(name).lives.flatMap((life) => life.logs());
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.members.values()].map(async ({ current }) => {
        // A frozen instance would not hear SIGTERM; one already gone needs nothing.
        try {
          process.kill(current.pid, 'SIGCONT');
        } catch {
          // gone
        }
        await current.stop();
      }),
    );
  }

  private member(name: string): Member {
    const member = this.members.get(name);
    if (!member) throw new Error(`no instance ${name}`);
    return member;
  }
}

async function launch(name: string, kind: Kind, env: Record<string, string>): Promise<ServiceProcess> {
  const started = await startBuilt(name, SCRIPTS[kind], env);
  await started.waitForLog(/"message":"started"/, 60_000);
  return started;
}
