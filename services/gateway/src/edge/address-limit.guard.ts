import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { clientAddress } from './client-address';
import { EdgeLimits } from './edge-limits';

/** For routes anyone may call with no key (the OAuth redirect): each client address has its limit. */
@Injectable()
export class AddressLimitGuard implements CanActivate {
  constructor(private readonly limits: EdgeLimits) {}

  canActivate(context: ExecutionContext): boolean {
    this.limits.chargeAddress(clientAddress(context.switchToHttp().getRequest<Request>()));
    return true;
  }
}
