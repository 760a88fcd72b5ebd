import type { DescMessage } from '@bufbuild/protobuf';
import type { Rpc } from '@calldesk/contracts';
import type { ConsumeOptions, EventSource } from '@calldesk/messaging';

export const RPC_HANDLER = Symbol('RPC_HANDLER');
export const EVENT_HANDLER = Symbol('EVENT_HANDLER');

export interface RpcHandlerMeta {
  rpc: Rpc;
  queue?: string | false;
}

export interface EventHandlerMeta {
  source: EventSource<DescMessage>;
  options: ConsumeOptions;
}

/** Marks a provider method as the answer to `rpc.subject`; the method takes the decoded request. */
export function HandleRpc(rpc: Rpc, options: { queue?: string | false } = {}): MethodDecorator {
  return (target, key) => {
    Reflect.defineMetadata(RPC_HANDLER, { rpc, queue: options.queue } satisfies RpcHandlerMeta, target, key);
  };
}

/** Marks a provider method as a durable consumer of an event (or family of events). */
export function HandleEvent(source: EventSource<DescMessage>, options: ConsumeOptions): MethodDecorator {
  return (target, key) => {
    Reflect.defineMetadata(EVENT_HANDLER, { source, options } satisfies EventHandlerMeta, target, key);
  };
}
