import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Readiness } from './readiness';

@Controller()
export class ProbesController {
  constructor(private readonly readiness: Readiness) {}

  /** The process lives and serves HTTP. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { ok: true };
  }

  /** Ready only when all eight services answer healthy. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) response: Response) {
    const readiness = await this.readiness.check();
    response.status(readiness.ready ? 200 : 503);
    return readiness;
  }
}
