import { SystemStatusSchema } from '@calldesk/contracts';
import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { Operation } from '../openapi/operation';
import { AuthGuard, OperatorOnly } from './auth.guard';
import { ServicesStatus } from './services-status';

/** The operator's view: whether every service answers healthy, and what ails those that do not. */
@Controller('v1/status')
@UseGuards(AuthGuard)
export class StatusController {
  constructor(private readonly status: ServicesStatus) {}

  @Get()
  @OperatorOnly()
  @Operation({
    summary: 'Whether every service answers healthy (503 names those that do not)',
    responses: { 200: SystemStatusSchema, 503: SystemStatusSchema },
  })
  async services(@Res({ passthrough: true }) response: Response) {
    const status = await this.status.check();
    response.status(status.ok ? 200 : 503);
    return status;
  }
}
