import { timingSafeEqual } from 'node:crypto';
import { RpcError } from '@calldesk/contracts';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { GatewayConfig } from '../config';
import { ApiKeys } from './api-keys';

const OPERATOR = Symbol('OPERATOR');

/** Marks a route as the operator's (GATEWAY_ADMIN_TOKEN), not a tenant's. */
export const OperatorOnly = () => SetMetadata(OPERATOR, true);

export interface AuthenticatedRequest extends Request {
  tenantId: string;
  keyId: string;
}

/**
 * Every API call carries `Authorization: Bearer <key>`. A tenant key scopes the call to its
 * tenant, whatever the body says; operator routes take the operator token, compared in constant
 * time. A token that is known but for the other kind of route is 403, not 401.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeys,
    private readonly reflector: Reflector,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw unauthenticated('send Authorization: Bearer <api key>');
    const operator = this.isOperator(token);
    if (this.reflector.get<boolean>(OPERATOR, context.getHandler())) {
      if (operator) return true;
      if (await this.keys.ownerOf(token)) throw new RpcError('permission_denied', 'this route is the operator’s, not a tenant’s');
      throw unauthenticated('this route takes the operator token');
    }
    if (operator) throw new RpcError('permission_denied', 'the operator token does not act for a tenant: use one of its api keys');
    const owner = await this.keys.ownerOf(token);
    if (!owner) throw unauthenticated('unknown or revoked api key');
    request.tenantId = owner.tenantId;
    request.keyId = owner.keyId;
    return true;
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
