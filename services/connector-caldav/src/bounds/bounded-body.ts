import { ReadRefused } from './read-refused';

export interface BodyLimits {
  maxBytes: number;
  /** Epoch milliseconds by which the whole body must have arrived. */
  deadline: number;
}

/**
 * The response with a body that errors (and drops the connection) as soon as more than
 * `maxBytes` have arrived or the deadline passes before its end: bytes are counted as they come,
 * so a server streaming gigabytes costs us no more than the cap, and one that sends headers and
 * then nothing holds no read past its time.
 */
export function boundedBody(response: Response, limits: BodyLimits): Response {
  if (!response.body) return response;
  const source = response.body.getReader();
  let received = 0;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setTimeout(() => fail(controller, tooSlow()), Math.max(0, limits.deadline - Date.now()));
      timer.unref();
    },
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof source.read>>;
      try {
        chunk = await source.read();
      } catch (error) {
        return fail(controller, error);
      }
      if (settled) return;
      if (chunk.done) {
        settled = true;
        clearTimeout(timer);
        return controller.close();
      }
      received += chunk.value.byteLength;
      if (received > limits.maxBytes) return fail(controller, tooLarge(limits.maxBytes));
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      settled = true;
      clearTimeout(timer);
      return source.cancel(reason);
    },
  });

  function fail(controller: ReadableStreamDefaultController<Uint8Array>, error: unknown): void {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    controller.error(error);
    source.cancel(error).catch(() => undefined);
  }

  const bounded = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // Readers resolve hrefs against the URL answered, after redirects.
  Object.defineProperties(bounded, { url: { value: response.url }, redirected: { value: response.redirected } });
  return bounded;
}

function tooLarge(maxBytes: number): ReadRefused {
  return new ReadRefused(
    'calendar_too_large',
    `the calendar server sent more than ${Math.round(maxBytes / 1024)} KiB in one answer`,
  );
}

function tooSlow(): ReadRefused {
  return new ReadRefused('server_too_slow', 'the calendar server did not finish its answer in time');
}
