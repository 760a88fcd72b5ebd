import { z } from 'zod';

/**
 * The shapes settings come in. Environment variables arrive as strings: numbers are coerced,
 * flags are the words true and false.
 */
export const setting = {
  /** A whole number within bounds, `fallback` when unset. */
  int: (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback),
  /** A URL with one of `schemes`. */
  url: (schemes: string[]) =>
    z
      .string()
      .url()
      .refine((value) => schemes.some((scheme) => value.startsWith(`${scheme}://`)), {
        message: `must be a URL starting with ${schemes.map((scheme) => `${scheme}://`).join(' or ')}`,
      }),
  httpUrl: () => setting.url(['http', 'https']),
  /** A shared secret: optional, so that a stack without it starts and refuses what needs it. */
  secret: (minLength = 16) => z.string().min(minLength, `must have at least ${minLength} characters`).optional(),
  /** Comma-separated values, trimmed, empty ones dropped; none when unset. */
  list: () =>
    z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean),
      ),
  flag: () =>
    z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
};
