import type { AddressInfo } from 'node:net';
import { meter, startTelemetry } from '@calldesk/telemetry';
import { startHealthServer } from './health-server';
import type { HealthService } from './health';

const telemetry = startTelemetry('health-server-spec');

describe('the health port', () => {
  const health = { status: async () => ({ ok: true, dependencies: [] }) } as unknown as HealthService;

  it('serves this process’s metrics at /metrics in the Prometheus text format', async () => {
    meter().createCounter('spec.scrapes').add(2, { kind: 'test' });
    const server = await startHealthServer(0, health);
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toMatch(/^spec_scrapes_total\{kind="test",[^}]*\} 2$/m);
    } finally {
      server.close();
      await telemetry.shutdown();
    }
  });
});
