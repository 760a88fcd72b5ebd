import { HealthService } from '@calldesk/service-kit';
import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';

/**
 * The orchestrator's probes. Readiness is this instance's own: its NATS and Postgres. Another
 * service being down is not a reason to stop sending this gateway traffic (most calls do not need
 * that service); the operator sees all of them on /v1/status.
 */
@Controller()
export class ProbesController {
  constructor(private readonly health: HealthService) {}

  /** The process lives and serves HTTP. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { ok: true };
  }

  @Get('readyz')
  async readyz(@Res({ passthrough: true }) response: Response) {
    const status = await this.health.status();
    response.status(status.ok ? 200 : 503);
    return status;
  }
}
