import type { DescMessage } from '@bufbuild/protobuf';
import { ErrorReplySchema } from '@calldesk/contracts';
import { RequestMethod, type Type } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AuthGuard, isOperatorOnly } from '../api/auth.guard';
import { SESSION_COOKIE } from '../sessions/session-cookie';
import { isRequired, MessageSchemas } from './message-schemas';
import { OPERATION, type OperationSpec, type OtherContent } from './operation';

const SAFE_METHODS = new Set(['get', 'head']);

/**
 * The gateway's HTTP API as OpenAPI 3.1, from its controllers: each route's path and method as
 * Nest serves it, who may call it (the guards), and its bodies as the contract's messages
 * (@Operation), whose schemas come from the protobuf descriptors themselves.
 */
export function openApiDocument(controllers: Type[]): Record<string, unknown> {
  const schemas = new MessageSchemas();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const controller of controllers) {
    const tag = controller.name.replace(/Controller$/, '');
    for (const prefix of list(Reflect.getMetadata(PATH_METADATA, controller))) {
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        const own = typeof handler === 'function' ? Reflect.getMetadata(PATH_METADATA, handler) : undefined;
        if (own === undefined || name === 'constructor') continue;
        const spec: OperationSpec | undefined = Reflect.getMetadata(OPERATION, handler);
        if (!spec)
          throw new Error(`${controller.name}.${name} has no @Operation: every route is in the API's document`);
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
        for (const path of list(own)) {
          const route = openApiPath(prefix, path);
          paths[route] = {
            ...paths[route],
            [method]: operation(schemas, spec, {
              tag,
              operationId: `${tag}.${name}`,
              method,
              access: accessOf(controller, handler),
            }),
          };
        }
      }
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'CallDesk Calendar HTTP API',
      version: '1',
      description:
        'The gateway’s API, on the same contract as NATS. Machines send `Authorization: Bearer <api key>`; the owner’s dashboard signs in (POST /v1/session) and sends its session cookie, and on every call that changes something the session’s `X-CSRF-Token`. Every error is `{"error": {code, message, details}}`.',
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: schemas.components,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant’s API key (cdk_…), made by the operator.' },
        operatorToken: { type: 'http', scheme: 'bearer', description: 'The operator’s token, GATEWAY_ADMIN_TOKEN.' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'An owner’s dashboard session, set by POST /v1/session.',
        },
        csrf: {
          type: 'apiKey',
          in: 'header',
          name: 'X-CSRF-Token',
          description: 'The session’s csrfToken, on every call of a session that changes something.',
        },
      },
    },
  };
}

type Access = 'tenant' | 'operator' | 'anyone';

function accessOf(controller: Type, handler: object): Access {
  if (isOperatorOnly(handler)) return 'operator';
  const guards: unknown[] = [
    ...(Reflect.getMetadata(GUARDS_METADATA, controller) ?? []),
    ...(Reflect.getMetadata(GUARDS_METADATA, handler) ?? []),
  ];
  return guards.includes(AuthGuard) ? 'tenant' : 'anyone';
}

function operation(
  schemas: MessageSchemas,
  spec: OperationSpec,
  route: { tag: string; operationId: string; method: string; access: Access },
) {
  const path = spec.path ?? {};
  const headers = spec.headers ?? {};
  const filled = new Set(['tenantId', ...(spec.filled ?? []), ...Object.values(path), ...Object.values(headers)]);
  const parameters = [
    ...Object.entries(path).map(([name, field]) => ({
      name,
      in: 'path',
      required: true,
      description: `the ${field}`,
      schema: { type: 'string' },
    })),
    ...Object.entries(headers).map(([name, field]) => ({
      name,
      in: 'header',
      required: true,
      description: `the ${field}`,
      schema: { type: 'string' },
    })),
    ...(spec.request?.in === 'query'
      ? spec.request.message.fields
          .filter((field) => !filled.has(field.jsonName))
          .map((field) => ({
            name: field.jsonName,
            in: 'query',
            required: isRequired(field),
            schema: schemas.field(field),
          }))
      : []),
  ];
  return {
    operationId: route.operationId,
    summary: spec.summary,
    tags: [route.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(spec.request?.in === 'body'
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schemas.object(spec.request.message, filled) } },
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(spec.responses).map(([status, answer]) => [status, response(schemas, answer)]),
      ),
      default: {
        description: 'An error in the contract’s shape, with the status of its code.',
        content: { 'application/json': { schema: schemas.ref(ErrorReplySchema) } },
      },
    },
    security: security(route.access, route.method),
  };
}

function response(schemas: MessageSchemas, answer: DescMessage | OtherContent | null) {
  if (answer === null) return { description: 'No content.' };
  if ('mediaType' in answer)
    return { description: answer.description, content: { [answer.mediaType]: { schema: { type: 'string' } } } };
  return {
    description: answer.typeName.replace(/^calendar\./, ''),
    content: { 'application/json': { schema: schemas.ref(answer) } },
  };
}

function security(access: Access, method: string): Record<string, string[]>[] {
  if (access === 'anyone') return [];
  if (access === 'operator') return [{ operatorToken: [] }];
  return [{ apiKey: [] }, SAFE_METHODS.has(method) ? { session: [] } : { session: [], csrf: [] }];
}

/** `v1/members` and `:id/availability` as OpenAPI writes them: `/v1/members/{id}/availability`. */
function openApiPath(prefix: string, path: string): string {
  const joined = `/${[prefix, path].filter(Boolean).join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  return joined.replace(/:(\w+)/g, '{$1}');
}

function list(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value ?? '']).map(String);
}
