export interface CapturedOutput {
  /** Everything written to stdout and stderr since the capture began. */
  text(): string;
  restore(): void;
}

/**
 * Captures what this process writes to stdout and stderr (every in-process service's log), for
 * tests that must prove something never appears in a log. Passed through when `echo` is set.
 */
export function captureOutput(echo = false): CapturedOutput {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const wrap = (original: typeof process.stdout.write) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return echo ? (original as (...args: unknown[]) => boolean)(chunk, ...rest) : true;
    }) as typeof process.stdout.write;
  process.stdout.write = wrap(originals.out);
  process.stderr.write = wrap(originals.err);
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}
