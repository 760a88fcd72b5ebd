import { timingSafeEqual } from 'node:crypto';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { GatewayConfig } from '../config';
import { ApiKeys } from './api-keys';

const OPERATOR = Symbol('OPERATOR');

/** Marks a route as the operator's (GATEWAY_ADMIN_TOKEN), not a tenant's. */
export const OperatorOnly = () => SetMetadata(OPERATOR, true);

export interface AuthenticatedRequest extends Request {
  tenantId: string;
}

/**
 * Every API call carries `Authorization: Bearer <key>`. A tenant key scopes the call to its
 * tenant, whatever the body says; operator routes take the operator token, compared in constant
 * time.
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
    if (!token) throw unauthorized('send Authorization: Bearer <api key>');
    if (this.reflector.get<boolean>(OPERATOR, context.getHandler())) {
      const expected = this.config.GATEWAY_ADMIN_TOKEN;
      if (!expected || !sameSecret(token, expected)) throw unauthorized('this route takes the operator token');
      return true;
    }
    const tenantId = await this.keys.tenantOf(token);
    if (!tenantId) throw unauthorized('unknown or revoked api key');
    request.tenantId = tenantId;
    return true;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function unauthorized(message: string): UnauthorizedException {
  return new UnauthorizedException({ error: { code: 'unauthenticated', message, details: {} } });
}
