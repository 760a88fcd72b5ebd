import type { DescMessage } from '@bufbuild/protobuf';
import type { Rpc } from '@calldesk/contracts';
import { SetMetadata } from '@nestjs/common';

export const OPERATION = Symbol('OPERATION');

/** An answer that is not a message of the contract: a page, a stream, a file, or nothing (null). */
export interface OtherContent {
  mediaType: string;
  description: string;
}

export interface OperationSpec {
  summary: string;
  /** What the route takes: a message of the contract, as the body or the query, less what the route fills in itself. */
  request?: { message: DescMessage; in: 'body' | 'query' };
  /** Path parameters, each with the contract field it fills (left out of the body or query). */
  path?: Record<string, string>;
  /** Request headers the route requires, each with the contract field it fills. */
  headers?: Record<string, string>;
  /** Other fields the route fills itself (tenantId always is, from the credential). */
  filled?: string[];
  /** Answers by HTTP status; errors need not be listed (every route may answer the contract's error). */
  responses: Record<number, DescMessage | OtherContent | null>;
}

/**
 * Describes a route for /v1/openapi.json: its bodies are the contract's messages, so the document
 * says what the codec enforces. Every route has one; the document cannot be made without.
 */
export const Operation = (spec: OperationSpec) => SetMetadata(OPERATION, spec);

/** A route that forwards to a subject: its request and answer are the subject's messages. */
export function forwards(
  rpc: Rpc,
  spec: Omit<OperationSpec, 'request' | 'responses'> & {
    in: 'body' | 'query';
    status?: number;
    alsoAnswers?: OperationSpec['responses'];
  },
): OperationSpec {
  const { in: where, status = 200, alsoAnswers = {}, ...rest } = spec;
  return {
    ...rest,
    request: { message: rpc.request, in: where },
    responses: { [status]: rpc.response, ...alsoAnswers },
  };
}
