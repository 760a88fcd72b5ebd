import { Controller, Get, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Operation } from './operation';
import { openApiDocument } from './openapi-document';

/** GET /v1/openapi.json: the document of every route this gateway serves, made once at start. */
@Controller('v1/openapi.json')
export class OpenApiController implements OnApplicationBootstrap {
  private document: Record<string, unknown> = {};

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const controllers = this.discovery.getControllers().flatMap(({ metatype }) => (metatype ? [metatype] : []));
    this.document = openApiDocument(controllers as Parameters<typeof openApiDocument>[0]);
  }

  @Get()
  @Operation({
    summary: 'This document: the HTTP API as OpenAPI 3.1',
    responses: { 200: { mediaType: 'application/json', description: 'An OpenAPI 3.1 document.' } },
  })
  get() {
    return this.document;
  }
}
