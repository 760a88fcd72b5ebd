import type { ErrorCode } from '@calldesk/contracts';

/** The HTTP status that goes with each error code of the contract. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  not_found: 404,
  failed_precondition: 409,
  unavailable: 503,
  deadline_exceeded: 504,
  internal: 500,
  unauthenticated: 401,
  permission_denied: 403,
  resource_exhausted: 429,
};
