import { HttpException } from '@nestjs/common';
import type { AuthenticatedRequest } from './auth.guard';

/** The body of a tenant's call, bound to the key's tenant; naming another tenant is refused. */
export function scoped(request: AuthenticatedRequest, body: Record<string, unknown> = {}): Record<string, unknown> {
  if (body.tenantId !== undefined && body.tenantId !== request.tenantId) {
    throw new HttpException({ error: { code: 'permission_denied', message: 'this api key is for another tenant', details: { field: 'tenantId' } } }, 403);
  }
  return { ...body, tenantId: request.tenantId };
}
