import { timingSafeEqual } from 'node:crypto';
import { RpcError } from '@calldesk/contracts';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { GatewayConfig } from '../config';
import { clientAddress } from '../edge/client-address';
import { EdgeLimits } from '../edge/edge-limits';
import { csrfMatches } from '../sessions/csrf';
import { sessionTokenOf } from '../sessions/session-cookie';
import { Sessions } from '../sessions/sessions';
import { ApiKeys } from './api-keys';
import { sessionCredential, type CredentialOwner } from './credentials';

const OPERATOR = Symbol('OPERATOR');

/** Marks a route as the operator's (GATEWAY_ADMIN_TOKEN), not a tenant's. */
export const OperatorOnly = () => SetMetadata(OPERATOR, true);

export function isOperatorOnly(handler: object): boolean {
  return Reflect.getMetadata(OPERATOR, handler) === true;
}

export interface AuthenticatedRequest extends Request {
  tenantId: string;
  credentialId: string;
}

/** Methods that change nothing: a session's calls with them need no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type Caller = 'operator' | CredentialOwner | undefined;

/**
 * Every API call carries `Authorization: Bearer <key>` (machines) or an owner's session cookie
 * (the dashboard). Either scopes the call to its tenant, whatever the body says; operator routes
 * take the operator token, compared in constant time. A credential that is known but for the
 * other kind of route is 403, not 401. A session's call that changes something must carry the
 * session's X-CSRF-Token, which another site's page cannot know. Calls count against their
 * credential, or, until one is found valid, against their address (EdgeLimits).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeys,
    private readonly sessions: Sessions,
    private readonly limits: EdgeLimits,
    private readonly reflector: Reflector,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const sessionToken = token ? undefined : sessionTokenOf(request);
    const caller = sessionToken ? await this.session(request, sessionToken) : await this.identify(request, token);
    if (this.reflector.get<boolean>(OPERATOR, context.getHandler())) {
      if (caller === 'operator') return true;
      if (caller) throw new RpcError('permission_denied', 'this route is the operator’s, not a tenant’s');
      throw unauthenticated(
        token ? 'this route takes the operator token' : 'send Authorization: Bearer <operator token>',
      );
    }
    if (caller === 'operator')
      throw new RpcError('permission_denied', 'the operator token does not act for a tenant: use one of its api keys');
    if (!caller)
      throw unauthenticated(
        token
          ? 'unknown or revoked api key'
          : sessionToken
            ? 'the session has ended: sign in again'
            : 'send Authorization: Bearer <api key>, or sign in',
      );
    this.limits.chargeKey(caller.credentialId);
    request.tenantId = caller.tenantId;
    request.credentialId = caller.credentialId;
    return true;
  }

  /** Who calls: the operator, a key's owner, or nobody known. Only strangers reach the database. */
  private async identify(request: Request, token: string | undefined): Promise<Caller> {
    if (token && this.isOperator(token)) return 'operator';
    const remembered = token ? this.keys.remembered(token) : undefined;
    if (remembered) return { tenantId: remembered.tenantId, credentialId: remembered.keyId };
    const address = clientAddress(request);
    this.limits.chargeAddress(address);
    const owner = token ? await this.keys.ownerOf(token) : undefined;
    if (!owner) return undefined;
    this.limits.refundAddress(address);
    return { tenantId: owner.tenantId, credentialId: owner.keyId };
  }

  /** The owner of a live session, whose calls that change something show its CSRF token. */
  private async session(request: Request, sessionToken: string): Promise<Caller> {
    const address = clientAddress(request);
    this.limits.chargeAddress(address);
    const session = await this.sessions.find(sessionToken);
    if (!session) return undefined;
    this.limits.refundAddress(address);
    if (!SAFE_METHODS.has(request.method) && !csrfMatches(sessionToken, request.headers['x-csrf-token'])) {
      throw new RpcError('permission_denied', 'send the session’s csrfToken as the X-CSRF-Token header', {
        header: 'X-CSRF-Token',
      });
    }
    return { tenantId: session.tenantId, credentialId: sessionCredential(session.id) };
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
