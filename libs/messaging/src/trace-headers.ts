import { context, propagation, type Context } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from 'nats';

/** W3C traceparent/tracestate of the active context, as NATS headers. */
export function headersWithTrace(): MsgHdrs {
  const headers = natsHeaders();
  propagation.inject(context.active(), headers, {
    set: (carrier, key, value) => carrier.set(key, value),
  });
  return headers;
}

/** The trace context a message arrived with (or the active one when it has none). */
export function contextFromHeaders(headers: MsgHdrs | undefined): Context {
  if (!headers) return context.active();
  return propagation.extract(context.active(), headers, {
    get: (carrier, key) => (carrier.has(key) ? carrier.get(key) : undefined),
    keys: (carrier) => carrier.keys(),
  });
}

/** W3C traceparent/tracestate of the active context, to keep beside work done later (an outbox row). */
export function traceContextNow(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The trace context kept by traceContextNow, so later work joins the trace that asked for it. */
export function contextFromTraceContext(carrier: Record<string, string> | null | undefined): Context {
  return carrier ? propagation.extract(context.active(), carrier) : context.active();
}
