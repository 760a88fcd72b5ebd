import { timingSafeEqual } from 'node:crypto';
import { RpcError } from '@calldesk/contracts';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { GatewayConfig } from '../config';
import { clientAddress } from '../edge/client-address';
import { EdgeLimits } from '../edge/edge-limits';
import { ApiKeys, type KeyOwner } from './api-keys';

const OPERATOR = Symbol('OPERATOR');

/** Marks a route as the operator's (GATEWAY_ADMIN_TOKEN), not a tenant's. */
export const OperatorOnly = () => SetMetadata(OPERATOR, true);

export interface AuthenticatedRequest extends Request {
  tenantId: string;
  keyId: string;
}

type Caller = 'operator' | KeyOwner | undefined;

/**
 * Every API call carries `Authorization: Bearer <key>`. A tenant key scopes the call to its
 * tenant, whatever the body says; operator routes take the operator token, compared in constant
 * time. A token that is known but for the other kind of route is 403, not 401. Calls count
 * against their key, or, until a key is found valid, against their address (EdgeLimits).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeys,
    private readonly limits: EdgeLimits,
    private readonly reflector: Reflector,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const caller = await this.identify(request, token);
    if (this.reflector.get<boolean>(OPERATOR, context.getHandler())) {
      if (caller === 'operator') return true;
      if (caller) throw new RpcError('permission_denied', 'this route is the operator’s, not a tenant’s');
      throw unauthenticated(token ? 'this route takes the operator token' : 'send Authorization: Bearer <operator token>');
    }
    if (caller === 'operator') throw new RpcError('permission_denied', 'the operator token does not act for a tenant: use one of its api keys');
    if (!caller) throw unauthenticated(token ? 'unknown or revoked api key' : 'send Authorization: Bearer <api key>');
    this.limits.chargeKey(caller.keyId);
    request.tenantId = caller.tenantId;
    request.keyId = caller.keyId;
    return true;
  }

  /** Who calls: the operator, a key's owner, or nobody known. Only strangers reach the database. */
  private async identify(request: Request, token: string | undefined): Promise<Caller> {
    if (token && this.isOperator(token)) return 'operator';
    const remembered = token ? this.keys.remembered(token) : undefined;
    if (remembered) return remembered;
    const address = clientAddress(request);
    this.limits.chargeAddress(address);
    const owner = token ? await this.keys.ownerOf(token) : undefined;
    if (owner) this.limits.refundAddress(address);
    return owner;
  }

  private isOperator(token: string): boolean {
    const expected = this.config.GATEWAY_ADMIN_TOKEN;
    return expected !== undefined && sameSecret(token, expected);
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function unauthenticated(message: string): RpcError {
  return new RpcError('unauthenticated', message);
}
