import { healthRpc, type ServiceName } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { execute } from '@calldesk/persistence';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { SERVICE_NAME } from './tokens';

export interface DependencyStatus {
  name: string;
  ok: boolean;
  detail?: string;
}

/** A dependency a service reports in its health answer, e.g. a provider it needs. */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

const HEALTH_CHECK = Symbol('HEALTH_CHECK');

/** Marks a provider implementing HealthCheck, so the service's health answer includes it. */
export function ReportsHealth(): ClassDecorator {
  return (target) => Reflect.defineMetadata(HEALTH_CHECK, true, target);
}
const DEFAULT_CHECK_TIMEOUT_MS = 1_000;
const MAX_CHECK_TIMEOUT_MS = 10_000;

/** The service's health (NATS, Postgres and whatever else it names), on calendar.internal.<service>.health. */
@Injectable()
export class HealthService implements OnApplicationBootstrap {
  readonly instance = `${process.pid}`;

  constructor(
    @Inject(SERVICE_NAME) private readonly service: ServiceName,
    private readonly bus: Bus,
    private readonly dataSource: DataSource,
    private readonly discovery: DiscoveryService,
  ) {}

  private checks: HealthCheck[] = [];

  onApplicationBootstrap(): void {
    this.checks = this.discovery
      .getProviders()
      .filter((wrapper) => wrapper.metatype && Reflect.getMetadata(HEALTH_CHECK, wrapper.metatype))
      .map((wrapper) => wrapper.instance as HealthCheck);
    this.bus.serve(healthRpc(this.service), (request) => this.status(request.checkTimeoutMs));
  }

  async status(
    checkTimeoutMs = DEFAULT_CHECK_TIMEOUT_MS,
  ): Promise<{ service: string; ok: boolean; instance: string; dependencies: DependencyStatus[] }> {
    const dependencies = await Promise.all(
      [
        { name: 'nats', check: async () => ({ ok: !this.bus.connection.isClosed() }) },
        { name: 'postgres', check: async () => (await execute(this.dataSource, 'SELECT 1'), { ok: true }) },
        ...this.checks,
      ].map((dependency) => runCheck(dependency, Math.min(Math.max(checkTimeoutMs, 10), MAX_CHECK_TIMEOUT_MS))),
    );
    return { service: this.service, ok: dependencies.every((d) => d.ok), instance: this.instance, dependencies };
  }
}

async function runCheck(dependency: HealthCheck, timeoutMs: number): Promise<DependencyStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: boolean; detail: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    const result = await Promise.race([dependency.check(), timeout]);
    return { name: dependency.name, ...result };
  } catch (error) {
    return { name: dependency.name, ok: false, detail: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
