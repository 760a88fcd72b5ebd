import { Rpcs } from '@calldesk/contracts';
import { Controller, Get, Query, Req, UseGuards } from '@nestjs/common';
import { forwards, Operation } from '../openapi/operation';
import { AuthGuard, type AuthenticatedRequest } from './auth.guard';
import { Forward, numbers } from './forward';
import { scoped } from './scoped';

/** Open slots and why a time is not offered. */
@Controller('v1/slots')
@UseGuards(AuthGuard)
export class SlotsController {
  constructor(private readonly forward: Forward) {}

  @Get()
  @Operation(forwards(Rpcs.slotsFind, { summary: 'Open slots of a service', in: 'query' }))
  find(@Req() request: AuthenticatedRequest, @Query() query: Record<string, unknown>) {
    return this.forward.call(Rpcs.slotsFind, scoped(request, numbers(query, ['limit', 'maxPerDay'])));
  }

  @Get('explain')
  @Operation(forwards(Rpcs.slotsExplain, { summary: 'Why a start is or is not offered', in: 'query' }))
  explain(@Req() request: AuthenticatedRequest, @Query() query: Record<string, unknown>) {
    return this.forward.call(Rpcs.slotsExplain, scoped(request, query));
  }
}
