import { createServer, type Server } from 'node:http';
import { prometheusText } from '@calldesk/telemetry';
import type { HealthService } from './health';

/**
 * Per-instance probes for orchestrators (HEALTH_PORT): /healthz says the process lives,
 * /readyz that this instance's NATS, Postgres and dependencies answer, /metrics is this
 * instance's metrics for Prometheus to scrape.
 */
export async function startHealthServer(port: number, health: HealthService): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    if (request.url === '/readyz') {
      void health.status().then((status) => {
        response.writeHead(status.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(status));
      });
      return;
    }
    if (request.url === '/metrics') {
      void prometheusText().then(
        (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
        (error: Error) =>
          response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics could not be read: ${error.message}`),
      );
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return server;
}
