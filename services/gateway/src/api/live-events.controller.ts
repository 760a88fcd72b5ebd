import { STREAM } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { Controller, Get, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { AuthGuard, type AuthenticatedRequest } from './auth.guard';
import { RpcErrorFilter } from './rpc-error.filter';

const HEARTBEAT_MS = 15_000;
const decoder = new TextDecoder();

/**
 * The dashboard's live feed (server-sent events): every booking, calendar and connection event of
 * the caller's tenant as it happens. It is a view, not a record: a client that reconnects reads
 * the current state through the API.
 */
@Controller('v1/events')
@UseGuards(AuthGuard)
@UseFilters(RpcErrorFilter)
export class LiveEventsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  stream(@Req() request: AuthenticatedRequest, @Res() response: Response): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.write(': connected\n\n');
    const subscription = this.bus.connection.subscribe(STREAM.subjects, {
      callback: (error, msg) => {
        if (error) return;
        const text = decoder.decode(msg.data);
        let tenantId: unknown;
        try {
          tenantId = (JSON.parse(text) as { tenantId?: unknown }).tenantId;
        } catch {
          return;
        }
        if (tenantId !== request.tenantId) return;
        response.write(`event: ${msg.subject.slice('calendar.v1.events.'.length)}\ndata: ${text}\n\n`);
      },
    });
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    request.on('close', () => {
      clearInterval(heartbeat);
      subscription.unsubscribe();
    });
  }
}
