import { RpcError } from '@calldesk/contracts';
import { Catch, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { sendContractError } from './contract-error';
import { RouteMethods } from './route-methods';

/**
 * Every error of the gateway in the contract's shape, also those no route sees: an unknown path
 * (404), a method the path does not take (405, with Allow), a body too large (413) or not JSON (400).
 */
@Catch()
export class EdgeErrorFilter implements ExceptionFilter {
  constructor(private readonly routes: RouteMethods) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (error instanceof NotFoundException) {
      const allowed = this.routes.on(request.path);
      if (!allowed.includes(request.method)) return this.noRoute(request, response, allowed);
    }
    sendContractError(response, error);
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
      .json(new RpcError('invalid_argument', `${path} takes ${allowed.join(', ')}, not ${request.method}`, { allowed }).toJSON());
  }
}
