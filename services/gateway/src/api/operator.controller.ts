import {
  ApiKeyCreatedSchema,
  CreateApiKeyRequestSchema,
  CreateOwnerRequestSchema,
  forbiddenCharacter,
  OwnerReplySchema,
  Rpcs,
  RpcError,
} from '@calldesk/contracts';
import { Body, Controller, Delete, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { OwnerAccounts } from '../sessions/owner-accounts';
import { ApiKeys } from './api-keys';
import { forwards, Operation } from '../openapi/operation';
import { AuthGuard, OperatorOnly } from './auth.guard';
import { contractBody, contractJson } from './contract-json';
import { Forward } from './forward';
import { KeyRevocations } from './key-revocations';

/** The operator's routes: new tenants, their owners' accounts and their API keys. */
@Controller('v1/tenants')
@UseGuards(AuthGuard)
export class OperatorController {
  constructor(
    private readonly forward: Forward,
    private readonly keys: ApiKeys,
    private readonly revocations: KeyRevocations,
    private readonly owners: OwnerAccounts,
  ) {}

  @Post()
  @OperatorOnly()
  @Operation(forwards(Rpcs.tenantsCreate, { summary: 'Make a tenant (a business)', in: 'body', status: 201 }))
  createTenant(@Body() body: Record<string, unknown>) {
    return this.forward.call(Rpcs.tenantsCreate, body);
  }

  /** The business owner's account, for the dashboard: the owner signs in with this email and password. */
  @Post(':id/owners')
  @OperatorOnly()
  @Operation({
    summary: 'Make the owner account that signs in to the tenant’s dashboard',
    path: { id: 'tenantId' },
    request: { message: CreateOwnerRequestSchema, in: 'body' },
    responses: { 201: OwnerReplySchema },
  })
  async createOwner(@Param('id') tenantId: string, @Body() body: unknown) {
    const { email, password } = contractBody(CreateOwnerRequestSchema, body);
    await this.forward.call(Rpcs.tenantsGet, { id: tenantId });
    return contractJson(OwnerReplySchema, { owner: await this.owners.create(tenantId, email, password) });
  }

  /** The key is in this answer and nowhere else, ever. */
  @Post(':id/api-keys')
  @OperatorOnly()
  @Operation({
    summary: 'Make an API key of the tenant, shown once',
    path: { id: 'tenantId' },
    request: { message: CreateApiKeyRequestSchema, in: 'body' },
    responses: { 201: ApiKeyCreatedSchema },
  })
  async createKey(@Param('id') tenantId: string, @Body() body: { name?: unknown }) {
    if (typeof body?.name !== 'string' || !body.name.trim() || body.name.length > 200) {
      throw RpcError.invalidArgument('name', 'name must be 1 to 200 characters');
    }
    const character = forbiddenCharacter(body.name);
    if (character) throw RpcError.invalidArgument('name', `name must not contain control characters (${character})`);
    await this.forward.call(Rpcs.tenantsGet, { id: tenantId });
    return this.keys.create(tenantId, body.name.trim());
  }

  /** Refused by every gateway instance once this answers. */
  @Delete(':id/api-keys/:keyId')
  @OperatorOnly()
  @Operation({
    summary: 'Revoke an API key: every gateway instance refuses it once this answers',
    path: { id: 'tenantId', keyId: 'api key’s id' },
    responses: { 204: null },
  })
  @HttpCode(204)
  async revokeKey(@Param('id') tenantId: string, @Param('keyId') keyId: string) {
    if (!(await this.revocations.revoke(tenantId, keyId))) throw RpcError.notFound('apiKey', keyId);
  }
}
