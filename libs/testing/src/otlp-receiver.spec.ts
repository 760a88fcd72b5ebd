import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { type OtlpReceiver, startOtlpReceiver } from './otlp-receiver';

const run = promisify(execFile);

describe('startOtlpReceiver', () => {
  let receiver: OtlpReceiver;

  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });

  afterEach(() => receiver.stop());

  it('keeps the spans of a JSON export with their service name', async () => {
    const response = await post(
      receiver,
      samplePayload('booking', '5B8EFFF798038103D269B633813FC60C', 'EEE19B7EC3C1B174'),
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(receiver.spans()).toEqual([
      {
        serviceName: 'booking',
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: undefined,
        name: 'booking.create',
        kind: 'SERVER',
        attributes: { 'booking.id': 'b-1', attempt: 2, 'slot.free': true },
        resource: { 'service.name': 'booking' },
        startTimeUnixNano: '1700000000000000000',
        endTimeUnixNano: '1700000000500000000',
        status: { code: 0 },
        events: [],
      },
    ]);
  });

  it('normalises base64 ids to lower-case hex', async () => {
    const traceId = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex').toString('base64');
    const spanId = Buffer.from('eee19b7ec3c1b174', 'hex').toString('base64');

    await post(receiver, samplePayload('gateway', traceId, spanId));

    expect(receiver.spans()[0]).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
    });
  });

  it('rejects what is not an OTLP JSON trace export', async () => {
    const wrongPath = await fetch(`${receiver.url}/v1/metrics`, { method: 'POST', body: '{}' });
    const protobuf = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([1, 2, 3]),
    });

    expect([wrongPath.status, protobuf.status]).toEqual([404, 415]);
    expect(receiver.spans()).toEqual([]);
  });

  it('receives what the OpenTelemetry OTLP/HTTP exporter sends', async () => {
    // The exporter loads node:http with a dynamic import, which jest's module sandbox refuses.
    const { stdout } = await run(process.execPath, ['-e', EXPORT_PARENT_AND_CHILD, `${receiver.url}/v1/traces`], {
      cwd: path.resolve(__dirname, '../../..'),
    });
    const { traceId, spanId } = JSON.parse(stdout) as { traceId: string; spanId: string };

    const spans = await receiver.waitForSpans((received) => received.length === 2, 2_000);

    expect(spans.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      expect.objectContaining({ name: 'calendar.query', kind: 'CLIENT', traceId, parentSpanId: spanId }),
      expect.objectContaining({ name: 'slots.find', kind: 'SERVER', traceId, spanId, serviceName: 'availability' }),
    ]);
  });

  it('waitForSpans fails with what it received when the predicate never holds', async () => {
    await post(receiver, samplePayload('routing', '5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174'));

    await expect(receiver.waitForSpans((spans) => spans.length > 1, 100)).rejects.toThrow(
      'received: routing: booking.create',
    );
  });
});

function post(receiver: OtlpReceiver, payload: object): Promise<Response> {
  return fetch(`${receiver.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
}

function samplePayload(serviceName: string, traceId: string, spanId: string): object {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [
          {
            scope: { name: 'calldesk' },
            spans: [
              {
                traceId,
                spanId,
                parentSpanId: '',
                name: 'booking.create',
                kind: 2,
                attributes: [
                  { key: 'booking.id', value: { stringValue: 'b-1' } },
                  { key: 'attempt', value: { intValue: '2' } },
                  { key: 'slot.free', value: { boolValue: true } },
                ],
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000500000000',
                status: { code: 0 },
              },
            ],
          },
        ],
      },
    ],
  };
}

const EXPORT_PARENT_AND_CHILD = `
const { ROOT_CONTEXT, SpanKind, trace } = require('@opentelemetry/api');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'availability' }),
  spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: process.argv[1] }))],
});
const tracer = provider.getTracer('otlp-receiver-spec');
const parent = tracer.startSpan('slots.find', { kind: SpanKind.SERVER });
tracer.startSpan('calendar.query', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, parent)).end();
parent.end();
provider.shutdown().then(() => console.log(JSON.stringify(parent.spanContext())));
`;
