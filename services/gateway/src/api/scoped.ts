import { RpcError } from '@calldesk/contracts';
import type { AuthenticatedRequest } from './auth.guard';

/** The body of a tenant's call, bound to the key's tenant; naming another tenant is refused. */
export function scoped(request: AuthenticatedRequest, body: Record<string, unknown> = {}): Record<string, unknown> {
  if (body.tenantId !== undefined && body.tenantId !== request.tenantId) {
    throw new RpcError('permission_denied', 'this api key is for another tenant', { field: 'tenantId' });
  }
  return { ...body, tenantId: request.tenantId };
}
