import { RpcError } from '@calldesk/contracts';
import { LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Catch, Inject, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { contractError } from './contract-error';
import { RouteMethods } from './route-methods';
import { Throttled } from './throttled';

/**
 * Every error of the gateway in the contract's shape, also those no route sees: an unknown path
 * (404), a method the path does not take (405, with Allow), a body too large (413) or not JSON
 * (400). Throttled calls get Retry-After; anything unforeseen is logged here and answered 500
 * without its detail.
 */
@Catch()
export class EdgeErrorFilter implements ExceptionFilter {
  constructor(
    private readonly routes: RouteMethods,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (error instanceof NotFoundException) {
      const allowed = this.routes.on(request.path);
      if (!allowed.includes(request.method)) return this.noRoute(request, response, allowed);
    }
    const known = contractError(error);
    if (!known)
      this.logger.error('request failed', {
        method: request.method,
        path: request.path,
        error: (error as Error)?.stack ?? String(error),
      });
    const [status, answer] = known ?? [500, new RpcError('internal', 'internal error')];
    if (answer instanceof Throttled) response.setHeader('retry-after', String(answer.retryAfterSeconds));
    response.status(status).json(answer.toJSON());
  }

  private noRoute(request: Request, response: Response, allowed: string[]): void {
    const path = request.path.slice(0, 200);
    if (!allowed.length) {
      response.status(404).json(new RpcError('not_found', `no route ${request.method} ${path}`).toJSON());
      return;
    }
    response
      .status(405)
      .setHeader('allow', allowed.join(', '))
      .json(
        new RpcError('invalid_argument', `${path} takes ${allowed.join(', ')}, not ${request.method}`, {
          allowed,
        }).toJSON(),
      );
  }
}
