import path from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Operation } from '../openapi/operation';

/** The built dashboard (dist/services/gateway/web: `npm run build` bundles it from services/gateway/web). */
const WEB = path.resolve(__dirname, '..', '..', 'web');
const SWAGGER_UI = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const DASHBOARD_FILES = new Set(['app.js', 'style.css']);
const REFERENCE_FILES = new Map([
  ['swagger-ui-bundle.js', SWAGGER_UI],
  ['swagger-ui.css', SWAGGER_UI],
  ['reference.js', WEB],
]);

/** Only our own files run on these pages; no other site may frame them. */
const DASHBOARD_POLICY =
  "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
// Swagger UI sets inline styles as it draws.
const REFERENCE_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The owner's dashboard at /app (a single page: it signs in and calls the API with its session)
 * and the API reference at /docs, both from files on this machine: nothing loads from elsewhere.
 */
@Controller()
export class DashboardController {
  @Get()
  @Operation({ summary: 'To the dashboard', responses: { 302: null } })
  root(@Res() response: Response): void {
    response.redirect(302, '/app');
  }

  @Get('app')
  @Operation({
    summary: 'The owner’s dashboard',
    responses: { 200: { mediaType: 'text/html', description: 'The dashboard’s page.' } },
  })
  dashboard(@Res() response: Response): void {
    send(response, path.join(WEB, 'index.html'), DASHBOARD_POLICY);
  }

  @Get('app/:file')
  @Operation({
    summary: 'The dashboard’s script and style sheet',
    path: { file: 'file name' },
    responses: { 200: { mediaType: '*/*', description: 'The file.' } },
  })
  dashboardFile(@Param('file') file: string, @Res() response: Response): void {
    if (!DASHBOARD_FILES.has(file))
      return void response
        .status(404)
        .json({ error: { code: 'not_found', message: `no file ${file.slice(0, 64)}`, details: {} } });
    send(response, path.join(WEB, file), DASHBOARD_POLICY);
  }

  @Get('docs')
  @Operation({
    summary: 'This API’s reference (Swagger UI)',
    responses: { 200: { mediaType: 'text/html', description: 'The reference’s page.' } },
  })
  reference(@Res() response: Response): void {
    send(response, path.join(WEB, 'docs.html'), REFERENCE_POLICY);
  }

  @Get('docs/:file')
  @Operation({
    summary: 'The reference’s script and style sheet',
    path: { file: 'file name' },
    responses: { 200: { mediaType: '*/*', description: 'The file.' } },
  })
  referenceFile(@Param('file') file: string, @Res() response: Response): void {
    const folder = REFERENCE_FILES.get(file);
    if (!folder)
      return void response
        .status(404)
        .json({ error: { code: 'not_found', message: `no file ${file.slice(0, 64)}`, details: {} } });
    send(response, path.join(folder, file), REFERENCE_POLICY);
  }
}

function send(response: Response, file: string, policy: string): void {
  response.setHeader('content-security-policy', policy);
  response.setHeader('x-content-type-options', 'nosniff');
  // Small files that change with each release: the browser asks again, and mostly hears 304.
  response.sendFile(file, { headers: { 'cache-control': 'no-cache' } }, (error) => {
    if (error && !response.headersSent)
      response.status(404).json({ error: { code: 'not_found', message: 'not built: run npm run build', details: {} } });
  });
}
