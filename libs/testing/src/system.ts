import { randomBytes } from 'node:crypto';
import { SERVICES, type ServiceName } from '@calldesk/contracts';
import { createTestDatabase, type TestDatabase } from './database';
import { startPrivateNatsServer } from './nats';
import { freePort, startService, waitFor, type ServiceProcess } from './processes';

export interface RunningSystem {
  gatewayUrl: string;
  /** The gateway's operator token (GATEWAY_ADMIN_TOKEN): tenants, keys and /v1/status. */
  operatorToken: string;
  database: TestDatabase;
  natsUrl: string;
  processes: Map<ServiceName, ServiceProcess>;
  /** Where a service's first instance serves its metrics (Prometheus text). */
  metricsUrl(service: ServiceName): string;
  /** Starts one more instance of a service with the system's environment. */
  startInstance(service: ServiceName): Promise<ServiceProcess>;
  /** SIGTERMs every process, then drops the database and stops the system's NATS. */
  stop(): Promise<void>;
}

/**
 * All eight services as child processes (built code, as `npm start` runs them) on a fresh
 * database and a NATS server of its own, ready when the gateway's /v1/status says all of them answer. Each
 * serves its health and metrics on a port of its own (the gateway on its HTTP port).
 */
export async function startSystem(
  env: Record<string, string> = {},
  services: readonly ServiceName[] = SERVICES,
): Promise<RunningSystem> {
  // A NATS of the system's own: JetStream keeps what earlier systems published, and their
  // events (for tenants of other databases) would reach this system's durable consumers.
  const [database, nats] = await Promise.all([createTestDatabase(), startPrivateNatsServer()]);
  const natsUrl = nats.url;
  const port = await freePort();
  const operatorToken = env.GATEWAY_ADMIN_TOKEN ?? randomBytes(32).toString('base64url');
  const gatewayUrl = `http://127.0.0.1:${port}`;
  // The connectors send OAuth sign-ins back to the gateway, at its public address.
  const systemEnv = {
    LOG_LEVEL: 'warn',
    PUBLIC_BASE_URL: gatewayUrl,
    ...env,
    GATEWAY_ADMIN_TOKEN: operatorToken,
    NATS_URL: natsUrl,
    DATABASE_URL: database.url,
    PORT: String(port),
  };
  const processes = new Map<ServiceName, ServiceProcess>();
  const healthPorts = new Map<ServiceName, number>();
  const extra: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all([...processes.values(), ...extra].map((p) => p.stop()));
    await Promise.all([database.drop(), nats.stop()]);
  };
  try {
    await Promise.all(
      services.map(async (service) => {
        if (service !== 'gateway') healthPorts.set(service, await freePort());
        const healthPort = healthPorts.get(service);
        processes.set(
          service,
          await startService(service, healthPort ? { ...systemEnv, HEALTH_PORT: String(healthPort) } : systemEnv),
        );
      }),
    );
    const status = () => fetch(`${gatewayUrl}/v1/status`, { headers: { authorization: `Bearer ${operatorToken}` } });
    await waitFor(async () => (await status()).status === 200, { timeoutMs: 60_000, intervalMs: 250 });
    return {
      gatewayUrl,
      operatorToken,
      database,
      natsUrl,
      processes,
      metricsUrl: (service) =>
        service === 'gateway' ? `${gatewayUrl}/metrics` : `http://127.0.0.1:${healthPorts.get(service)}/metrics`,
      startInstance: async (service) => {
        const instance = await startService(service, systemEnv);
        extra.push(instance);
        return instance;
      },
      stop,
    };
  } catch (error) {
    const logs = [...processes.values()].flatMap((p) =>
      p
        .logs()
        .slice(-5)
        .map((line) => `${p.name}: ${line}`),
    );
    await stop();
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`);
  }
}
