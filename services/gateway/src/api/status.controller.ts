import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { AuthGuard, OperatorOnly } from './auth.guard';
import { ServicesStatus } from './services-status';

/** The operator's view: whether every service answers healthy, and what ails those that do not. */
@Controller('v1/status')
@UseGuards(AuthGuard)
export class StatusController {
  constructor(private readonly status: ServicesStatus) {}

  @Get()
  @OperatorOnly()
  async services(@Res({ passthrough: true }) response: Response) {
    const status = await this.status.check();
    response.status(status.ok ? 200 : 503);
    return status;
  }
}
