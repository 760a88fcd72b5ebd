import { RpcError } from '@calldesk/contracts';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AllowedOrigins } from './allowed-origins';

const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-CSRF-Token, traceparent, tracestate';
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
/** How long a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * CORS for the origins in CORS_ORIGINS: their pages may call the API with the session cookie
 * (credentials) or a key, read the answers and Retry-After. A preflight from any other origin is
 * refused (403), and their other requests get no CORS headers, so the browser keeps the answer
 * from them.
 */
@Injectable()
export class CorsMiddleware implements NestMiddleware {
  constructor(private readonly origins: AllowedOrigins) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const origin = request.headers.origin;
    const preflight =
      request.method === 'OPTIONS' &&
      origin !== undefined &&
      request.headers['access-control-request-method'] !== undefined;
    response.vary('Origin');
    if (!origin || !this.origins.listed(origin)) {
      if (preflight) {
        response.status(403).json(new RpcError('permission_denied', 'this origin is not in CORS_ORIGINS').toJSON());
        return;
      }
      return next();
    }
    response.setHeader('access-control-allow-origin', origin);
    response.setHeader('access-control-allow-credentials', 'true');
    response.setHeader('access-control-expose-headers', 'Retry-After, Allow');
    if (!preflight) return next();
    response.setHeader('access-control-allow-methods', ALLOWED_METHODS);
    response.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
    response.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_S));
    response.status(204).end();
  }
}
