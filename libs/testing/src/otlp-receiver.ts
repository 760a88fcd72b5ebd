import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';

export interface ReceivedSpan {
  /** The `service.name` resource attribute of the exporting process. */
  serviceName: string | undefined;
  /** Lower-case hex, whatever the exporter's encoding. */
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKindName;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code?: number | string; message?: string } | undefined;
  events: { name: string; attributes: Record<string, unknown> }[];
}

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT; exporters post to `${url}/v1/traces`. */
  url: string;
  spans(): ReceivedSpan[];
  /** Resolves with all spans received once `predicate` holds for them. */
  waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  stop(): Promise<void>;
}

/** An in-memory OTLP/HTTP JSON trace endpoint on 127.0.0.1. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const onReceive = new Set<() => void>();
  const server = createServer((request, response) => {
    handleExport(request, response, (spans) => {
      received.push(...spans);
      onReceive.forEach((listener) => listener());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    waitForSpans(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return;
          finish();
          resolve([...received]);
        };
        const finish = () => {
          clearTimeout(timer);
          onReceive.delete(check);
        };
        const timer = setTimeout(() => {
          finish();
          const names = received.map((span) => `${span.serviceName}: ${span.name}`).join(', ') || 'none';
          reject(new Error(`spans did not match within ${timeoutMs} ms; received: ${names}`));
        }, timeoutMs);
        onReceive.add(check);
        check();
      });
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  bytesValue?: string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  attributes?: OtlpKeyValue[];
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  status?: { code?: number | string; message?: string };
  events?: { name: string; attributes?: OtlpKeyValue[] }[];
}

interface OtlpTraceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

const KINDS: SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

function handleExport(
  request: IncomingMessage,
  response: ServerResponse,
  accept: (spans: ReceivedSpan[]) => void,
): void {
  if (request.method !== 'POST' || request.url !== '/v1/traces') {
    reply(response, 404, { error: 'only POST /v1/traces is served' });
    return;
  }
  if (!request.headers['content-type']?.startsWith('application/json')) {
    reply(response, 415, { error: 'only OTLP/HTTP JSON is accepted' });
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    try {
      const body = Buffer.concat(chunks);
      const json = request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      accept(parseSpans(JSON.parse(json.toString('utf8')) as OtlpTraceRequest));
      reply(response, 200, {});
    } catch (error) {
      reply(response, 400, { error: (error as Error).message });
    }
  });
}

function parseSpans(request: OtlpTraceRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap(({ resource, scopeSpans }) => {
    const resourceAttributes = toRecord(resource?.attributes);
    const serviceName = resourceAttributes['service.name'];
    return (scopeSpans ?? []).flatMap(({ spans }) =>
      (spans ?? []).map(
        (span): ReceivedSpan => ({
          serviceName: typeof serviceName === 'string' ? serviceName : undefined,
          traceId: toHex(span.traceId),
          spanId: toHex(span.spanId),
          parentSpanId: span.parentSpanId ? toHex(span.parentSpanId) : undefined,
          name: span.name,
          kind: toKind(span.kind),
          attributes: toRecord(span.attributes),
          resource: resourceAttributes,
          startTimeUnixNano: String(span.startTimeUnixNano),
          endTimeUnixNano: String(span.endTimeUnixNano),
          status: span.status,
          events: (span.events ?? []).map((event) => ({ name: event.name, attributes: toRecord(event.attributes) })),
        }),
      ),
    );
  });
}

/** JSON exporters send ids as hex (current OpenTelemetry JS) or base64 (protobuf JSON mapping). */
function toHex(id: string): string {
  const isHex = (id.length === 32 || id.length === 16) && /^[0-9a-f]+$/i.test(id);
  return isHex ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

function toKind(kind: number | string | undefined): SpanKindName {
  if (typeof kind === 'number') return KINDS[kind] ?? 'UNSPECIFIED';
  const name = kind?.replace(/^SPAN_KIND_/, '') as SpanKindName | undefined;
  return name && KINDS.includes(name) ? name : 'UNSPECIFIED';
}

function toRecord(attributes: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, toValue(value)]));
}

function toValue(value: OtlpAnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(toValue);
  if (value.kvlistValue) return toRecord(value.kvlistValue.values);
  return undefined;
}

function reply(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
