import 'reflect-metadata';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { GatewayModule } from '../services/gateway/src/gateway.module';
import { controllersOf } from '../services/gateway/src/openapi/controllers-of';
import { openApiDocument } from '../services/gateway/src/openapi/openapi-document';

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE = path.join(ROOT, 'services', 'gateway', 'web');
const OUT = path.join(ROOT, 'dist', 'services', 'gateway', 'web');

/**
 * `npm run build`'s last step: the dashboard bundled into dist, beside the gateway that serves it,
 * and the HTTP API's OpenAPI document (dist/openapi.json, as /v1/openapi.json serves it) for
 * clients to generate code from.
 */
async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  await build({
    entryPoints: [path.join(SOURCE, 'src', 'main.tsx')],
    outfile: path.join(OUT, 'app.js'),
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'style.css', 'docs.html', 'reference.js'])
    await copyFile(path.join(SOURCE, file), path.join(OUT, file));
  await writeFile(
    path.join(ROOT, 'dist', 'openapi.json'),
    `${JSON.stringify(openApiDocument(controllersOf(GatewayModule)), null, 2)}\n`,
  );
}

void main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
