import { HealthService } from '@calldesk/service-kit';
import { HealthResponseSchema } from '@calldesk/contracts';
import { prometheusText } from '@calldesk/telemetry';
import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Operation } from './openapi/operation';

/**
 * The orchestrator's probes, and this instance's metrics for Prometheus. Readiness is this instance's own: its NATS and Postgres. Another
 * service being down is not a reason to stop sending this gateway traffic (most calls do not need
 * that service); the operator sees all of them on /v1/status.
 */
@Controller()
export class ProbesController {
  constructor(private readonly health: HealthService) {}

  /** The process lives and serves HTTP. */
  @Get('healthz')
  @Operation({
    summary: 'The process lives',
    responses: { 200: { mediaType: 'application/json', description: '{"ok": true}' } },
  })
  @HttpCode(200)
  healthz() {
    return { ok: true };
  }

  @Get('readyz')
  @Operation({
    summary: 'This instance’s own NATS and Postgres answer',
    responses: { 200: HealthResponseSchema, 503: HealthResponseSchema },
  })
  async readyz(@Res({ passthrough: true }) response: Response) {
    const status = await this.health.status();
    response.status(status.ok ? 200 : 503);
    return status;
  }

  @Get('metrics')
  @Operation({
    summary: 'This instance’s metrics, for Prometheus to scrape',
    responses: { 200: { mediaType: 'text/plain', description: 'The Prometheus text exposition format' } },
  })
  async metrics(@Res({ passthrough: true }) response: Response) {
    response.type('text/plain; version=0.0.4; charset=utf-8');
    return prometheusText();
  }
}
