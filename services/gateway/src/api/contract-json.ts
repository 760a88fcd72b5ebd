import { create, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import { decodeJson, encodeJson } from '@calldesk/contracts';

/** An answer of the gateway's own as the contract's JSON: every field present, named as in proto3 JSON. */
export function contractJson<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>): unknown {
  return JSON.parse(encodeJson(schema, create(schema, init)));
}

/** A body read by the contract's strict codec: the same invalid_argument RpcError answers as on NATS. */
export function contractBody<Desc extends DescMessage>(schema: Desc, body: unknown) {
  return decodeJson(schema, JSON.stringify(body ?? {}));
}
