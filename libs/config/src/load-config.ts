import { z } from 'zod';

/** A bad or missing environment variable; its message is one line that names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`config: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment against a shape of zod schemas, one per variable. */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const values = Object.fromEntries(Object.keys(shape).map((name) => [name, emptyToUndefined(env[name])]));
  const parsed = z.object(shape).safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const variable = String(issue.path[0]);
  const got = values[variable];
  throw new ConfigError(
    variable,
    got === undefined ? `is required: ${issue.message}` : `is invalid (${JSON.stringify(got)}): ${issue.message}`,
  );
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
