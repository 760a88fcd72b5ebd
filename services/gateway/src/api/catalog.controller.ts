import { ListConnectionsResponseSchema, PROVIDERS, Rpcs } from '@calldesk/contracts';
import { Body, Controller, Delete, Get, Param, Patch, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { forwards, Operation } from '../openapi/operation';
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
  @Operation(forwards(Rpcs.tenantsGet, { summary: 'The caller’s tenant', in: 'query', filled: ['id'] }))
  tenant(@Req() request: AuthenticatedRequest) {
    return this.forward.call(Rpcs.tenantsGet, { id: request.tenantId });
  }

  @Patch('tenant')
  @Operation(
    forwards(Rpcs.tenantsUpdate, { summary: 'Rename the tenant or change its time zone', in: 'body', filled: ['id'] }),
  )
  updateTenant(@Req() request: AuthenticatedRequest, @Body() body: Body) {
    return this.forward.call(Rpcs.tenantsUpdate, { ...body, id: request.tenantId });
  }

  @Post('members')
  @Operation(forwards(Rpcs.membersCreate, { summary: 'Add a team member', in: 'body', status: 201 }))
  createMember(@Req() request: AuthenticatedRequest, @Body() body: Body) {
    return this.forward.call(Rpcs.membersCreate, scoped(request, body));
  }

  @Get('members')
  @Operation(forwards(Rpcs.membersList, { summary: 'The team members, a page at a time', in: 'query' }))
  listMembers(@Req() request: AuthenticatedRequest, @Query() query: Body) {
    return this.forward.call(Rpcs.membersList, scoped(request, numbers(query, ['pageSize'])));
  }

  @Get('members/:id')
  @Operation(forwards(Rpcs.membersGet, { summary: 'A team member', in: 'query', path: { id: 'id' } }))
  member(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    return this.forward.call(Rpcs.membersGet, scoped(request, { id }));
  }

  @Patch('members/:id')
  @Operation(forwards(Rpcs.membersUpdate, { summary: 'Change a team member', in: 'body', path: { id: 'id' } }))
  updateMember(@Req() request: AuthenticatedRequest, @Param('id') id: string, @Body() body: Body) {
    return this.forward.call(Rpcs.membersUpdate, scoped(request, { ...body, id }));
  }

  @Delete('members/:id')
  @Operation(forwards(Rpcs.membersDelete, { summary: 'Remove a team member', in: 'query', path: { id: 'id' } }))
  deleteMember(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    return this.forward.call(Rpcs.membersDelete, scoped(request, { id }));
  }

  @Get('members/:id/availability')
  @Operation(
    forwards(Rpcs.availabilityGet, {
      summary: 'A team member’s hours, days that differ, rules and blocked times',
      in: 'query',
      path: { id: 'memberId' },
    }),
  )
  availability(@Req() request: AuthenticatedRequest, @Param('id') memberId: string) {
    return this.forward.call(Rpcs.availabilityGet, scoped(request, { memberId }));
  }

  @Put('members/:id/availability')
  @Operation(
    forwards(Rpcs.availabilitySet, {
      summary: 'Set a team member’s hours, days that differ, rules and blocked times',
      in: 'body',
      path: { id: 'memberId' },
    }),
  )
  setAvailability(@Req() request: AuthenticatedRequest, @Param('id') memberId: string, @Body() body: Body) {
    return this.forward.call(Rpcs.availabilitySet, scoped(request, { ...body, memberId }));
  }

  @Post('services')
  @Operation(forwards(Rpcs.servicesCreate, { summary: 'Add a service', in: 'body', status: 201 }))
  createService(@Req() request: AuthenticatedRequest, @Body() body: Body) {
    return this.forward.call(Rpcs.servicesCreate, scoped(request, body));
  }

  @Get('services')
  @Operation(forwards(Rpcs.servicesList, { summary: 'The services, a page at a time', in: 'query' }))
  listServices(@Req() request: AuthenticatedRequest, @Query() query: Body) {
    return this.forward.call(Rpcs.servicesList, scoped(request, numbers(query, ['pageSize'])));
  }

  @Get('services/:id')
  @Operation(forwards(Rpcs.servicesGet, { summary: 'A service', in: 'query', path: { id: 'id' } }))
  service(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    return this.forward.call(Rpcs.servicesGet, scoped(request, { id }));
  }

  @Patch('services/:id')
  @Operation(forwards(Rpcs.servicesUpdate, { summary: 'Change a service', in: 'body', path: { id: 'id' } }))
  updateService(@Req() request: AuthenticatedRequest, @Param('id') id: string, @Body() body: Body) {
    return this.forward.call(Rpcs.servicesUpdate, scoped(request, { ...body, id }));
  }

  @Delete('services/:id')
  @Operation(forwards(Rpcs.servicesDelete, { summary: 'Remove a service', in: 'query', path: { id: 'id' } }))
  deleteService(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    return this.forward.call(Rpcs.servicesDelete, scoped(request, { id }));
  }

  /** Each provider's connector is asked for its own connections of the member, at once. */
  @Get('members/:id/connections')
  @Operation({
    summary: 'A team member’s calendar connections at every provider, with their calendars',
    path: { id: 'memberId' },
    responses: { 200: ListConnectionsResponseSchema },
  })
  async connections(@Req() request: AuthenticatedRequest, @Param('id') memberId: string) {
    await this.forward.call(Rpcs.membersGet, scoped(request, { id: memberId }));
    const lists = await Promise.all(
      PROVIDERS.map(
        (provider) =>
          this.forward.call(Rpcs.connectionsList, scoped(request, { memberId, provider })) as Promise<{
            connections: unknown[];
          }>,
      ),
    );
    return { connections: lists.flatMap((list) => list.connections) };
  }

  @Post('connections')
  @Operation(
    forwards(Rpcs.connectionsConnect, {
      summary: 'Connect an Apple (iCloud) or other CalDAV calendar',
      in: 'body',
      status: 201,
    }),
  )
  connect(@Req() request: AuthenticatedRequest, @Body() body: Body) {
    return this.forward.call(Rpcs.connectionsConnect, scoped(request, body));
  }

  @Post('connections/authorize')
  @Operation(
    forwards(Rpcs.connectionsAuthorize, {
      summary: 'The Google or Microsoft sign-in URL that connects a calendar',
      in: 'body',
      status: 201,
    }),
  )
  authorize(@Req() request: AuthenticatedRequest, @Body() body: Body) {
    return this.forward.call(Rpcs.connectionsAuthorize, scoped(request, body));
  }

  @Delete('connections/:id')
  @Operation(
    forwards(Rpcs.connectionsDisconnect, {
      summary: 'Disconnect a calendar connection',
      in: 'query',
      path: { id: 'connectionId' },
    }),
  )
  disconnect(@Req() request: AuthenticatedRequest, @Param('id') connectionId: string) {
    return this.forward.call(Rpcs.connectionsDisconnect, scoped(request, { connectionId }));
  }

  @Put('calendars/:id/role')
  @Operation(
    forwards(Rpcs.calendarsSetRole, {
      summary: 'Make a calendar the booking calendar, a blocking one, or ignored',
      in: 'body',
      path: { id: 'calendarId' },
    }),
  )
  setRole(@Req() request: AuthenticatedRequest, @Param('id') calendarId: string, @Body() body: Body) {
    return this.forward.call(Rpcs.calendarsSetRole, scoped(request, { ...body, calendarId }));
  }
}
