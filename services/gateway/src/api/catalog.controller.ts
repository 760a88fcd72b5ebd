import { PROVIDERS, Rpcs } from '@calldesk/contracts';
import { Body, Controller, Delete, Get, Param, Patch, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, type AuthenticatedRequest } from './auth.guard';
import { Forward, numbers } from './forward';
import { scoped } from './scoped';

type Body = Record<string, unknown>;

/** The tenant's own settings: itself, its members and their availability, its services. */
@Controller('v1')
@UseGuards(AuthGuard)
export class CatalogController {
  constructor(private readonly forward: Forward) {}

  @Get('tenant')
  tenant(@Req() request: AuthenticatedRequest) {
    return this.forward.call(Rpcs.tenantsGet, { id: request.tenantId });
  }

  @Patch('tenant')
  updateTenant(@Req() request: AuthenticatedRequest, @Body() body: Body) {
    return this.forward.call(Rpcs.tenantsUpdate, { ...body, id: request.tenantId });
  }

  @Post('members')
  createMember(@Req() request: AuthenticatedRequest, @Body() body: Body) {
    return this.forward.call(Rpcs.membersCreate, scoped(request, body));
  }

  @Get('members')
  listMembers(@Req() request: AuthenticatedRequest, @Query() query: Body) {
    return this.forward.call(Rpcs.membersList, scoped(request, numbers(query, ['pageSize'])));
  }

  @Get('members/:id')
  member(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    return this.forward.call(Rpcs.membersGet, scoped(request, { id }));
  }

  @Patch('members/:id')
  updateMember(@Req() request: AuthenticatedRequest, @Param('id') id: string, @Body() body: Body) {
    return this.forward.call(Rpcs.membersUpdate, scoped(request, { ...body, id }));
  }

  @Delete('members/:id')
  deleteMember(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    return this.forward.call(Rpcs.membersDelete, scoped(request, { id }));
  }

  @Get('members/:id/availability')
  availability(@Req() request: AuthenticatedRequest, @Param('id') memberId: string) {
    return this.forward.call(Rpcs.availabilityGet, scoped(request, { memberId }));
  }

  @Put('members/:id/availability')
  setAvailability(@Req() request: AuthenticatedRequest, @Param('id') memberId: string, @Body() body: Body) {
    return this.forward.call(Rpcs.availabilitySet, scoped(request, { ...body, memberId }));
  }

  @Post('services')
  createService(@Req() request: AuthenticatedRequest, @Body() body: Body) {
    return this.forward.call(Rpcs.servicesCreate, scoped(request, body));
  }

  @Get('services')
  listServices(@Req() request: AuthenticatedRequest, @Query() query: Body) {
    return this.forward.call(Rpcs.servicesList, scoped(request, numbers(query, ['pageSize'])));
  }

  @Get('services/:id')
  service(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    return this.forward.call(Rpcs.servicesGet, scoped(request, { id }));
  }

  @Patch('services/:id')
  updateService(@Req() request: AuthenticatedRequest, @Param('id') id: string, @Body() body: Body) {
    return this.forward.call(Rpcs.servicesUpdate, scoped(request, { ...body, id }));
  }

  @Delete('services/:id')
  deleteService(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    return this.forward.call(Rpcs.servicesDelete, scoped(request, { id }));
  }

  /** Each provider's connector is asked for its own connections of the member, at once. */
  @Get('members/:id/connections')
  async connections(@Req() request: AuthenticatedRequest, @Param('id') memberId: string) {
    await this.forward.call(Rpcs.membersGet, scoped(request, { id: memberId }));
    const lists = await Promise.all(
      PROVIDERS.map((provider) => this.forward.call(Rpcs.connectionsList, scoped(request, { memberId, provider })) as Promise<{ connections: unknown[] }>),
    );
    return { connections: lists.flatMap((list) => list.connections) };
  }

  @Post('connections')
  connect(@Req() request: AuthenticatedRequest, @Body() body: Body) {
    return this.forward.call(Rpcs.connectionsConnect, scoped(request, body));
  }

  @Post('connections/authorize')
  authorize(@Req() request: AuthenticatedRequest, @Body() body: Body) {
    return this.forward.call(Rpcs.connectionsAuthorize, scoped(request, body));
  }

  @Delete('connections/:id')
  disconnect(@Req() request: AuthenticatedRequest, @Param('id') connectionId: string) {
    return this.forward.call(Rpcs.connectionsDisconnect, scoped(request, { connectionId }));
  }

  @Put('calendars/:id/role')
  setRole(@Req() request: AuthenticatedRequest, @Param('id') calendarId: string, @Body() body: Body) {
    return this.forward.call(Rpcs.calendarsSetRole, scoped(request, { ...body, calendarId }));
  }
}
