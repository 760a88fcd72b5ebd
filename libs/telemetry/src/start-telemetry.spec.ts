import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { startTelemetry } from './start-telemetry';

/** A loopback server that answers 204 and remembers each request's headers. */
async function headerRecorder() {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('startTelemetry', () => {
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('leaves no instrumentation behind once shut down: fetches keep their own trace context', async () => {
    const recorder = await headerRecorder();
    try {
      const telemetry = startTelemetry('start-telemetry-spec', { inMemory: true });
      await fetch(recorder.url);
      expect(telemetry.memory!.getFinishedSpans().map((span) => span.name)).toEqual(['GET']);
      await telemetry.shutdown();

      await fetch(recorder.url, { headers: { traceparent } });
      expect(recorder.seen.at(-1)!.traceparent).toBe(traceparent);
      // Started again, it is a new telemetry with instruments of its own.
      const again = startTelemetry('start-telemetry-spec', { inMemory: true });
      expect(again).not.toBe(telemetry);
      await fetch(recorder.url);
      trace.getTracer('start-telemetry-spec').startSpan('ours').end();
      expect(again.memory!.getFinishedSpans().map((span) => span.name)).toEqual(['GET', 'ours']);
      await again.shutdown();
    } finally {
      await recorder.close();
    }
  });

  it("exports the process's memory: RSS, and per V8 heap space what is in use and what it holds", async () => {
    const telemetry = startTelemetry('start-telemetry-spec', { inMemory: true });
    try {
      const text = await telemetry.metrics.prometheusText();
      const series = (name: string) =>
        [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)`, 'gm'))].map(([, labels, value]) => ({
          space: /v8js_heap_space_name="([a-z_]+)"/.exec(labels)?.[1],
          value: Number(value),
        }));
      expect(series('process_memory_usage')).toEqual([{ space: undefined, value: expect.any(Number) }]);
      expect(series('process_memory_usage')[0].value).toBeGreaterThan(1024 * 1024);
      for (const name of ['v8js_memory_heap_used', 'v8js_memory_heap_space_physical_size']) {
        const spaces = series(name);
        expect(spaces.map((s) => s.space)).toEqual(expect.arrayContaining(['new_space', 'old_space']));
        expect(spaces.find((s) => s.space === 'old_space')!.value).toBeGreaterThan(0);
      }
    } finally {
      await telemetry.shutdown();
    }
  });
});
