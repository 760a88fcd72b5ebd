import { boundedBody } from './bounded-body';

/** A body that sends `chunks` chunks of `size` bytes, then (with `hang`) nothing more; it records its cancellation. */
function source(chunks: number, size: number, hang = false) {
  const state = { sent: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (state.sent === chunks) {
        if (hang) return new Promise<void>(() => undefined);
        return controller.close();
      }
      state.sent++;
      controller.enqueue(new Uint8Array(size));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  const response = new Response(body, { status: 207, headers: { 'content-type': 'application/xml' } });
  Object.defineProperty(response, 'url', { value: 'https://dav.example/cal/' });
  return { response, state };
}

describe('boundedBody', () => {
  it('passes a body within the cap and the deadline as it is, with the URL answered', async () => {
    const { response } = source(4, 1_000);
    const bounded = boundedBody(response, { maxBytes: 4_000, deadline: Date.now() + 1_000 });
    expect(bounded.url).toBe('https://dav.example/cal/');
    expect(bounded.status).toBe(207);
    expect((await bounded.arrayBuffer()).byteLength).toBe(4_000);
  });

  it('stops at the first chunk past the cap: calendar_too_large, and the server is read no further', async () => {
    const { response, state } = source(1_000_000, 64 * 1_024);
    const bounded = boundedBody(response, { maxBytes: 1_048_576, deadline: Date.now() + 5_000 });
    await expect(bounded.text()).rejects.toMatchObject({
      code: 'failed_precondition',
      details: { reason: 'calendar_too_large' },
    });
    expect(state.sent).toBeLessThanOrEqual(18);
    expect(state.cancelled).toBe(true);
  });

  it('gives up on headers followed by nothing at the deadline: server_too_slow', async () => {
    const { response, state } = source(1, 10, true);
    const started = Date.now();
    const bounded = boundedBody(response, { maxBytes: 1_000, deadline: started + 200 });
    await expect(bounded.text()).rejects.toMatchObject({ code: 'unavailable', details: { reason: 'server_too_slow' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(state.cancelled).toBe(true);
  });

  it('leaves a response without a body alone', () => {
    const empty = new Response(null, { status: 204 });
    expect(boundedBody(empty, { maxBytes: 1, deadline: Date.now() })).toBe(empty);
  });
});
