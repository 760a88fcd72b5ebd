import { Bus } from '@calldesk/messaging';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { EVENT_HANDLER, RPC_HANDLER, type EventHandlerMeta, type RpcHandlerMeta } from './handler-decorators';

/**
 * Finds every @HandleRpc and @HandleEvent method once the module graph is built and subscribes
 * it on the bus. Subscriptions open last, so no request arrives before its handler's
 * dependencies are ready.
 */
@Injectable()
export class HandlerRegistry implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly bus: Bus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const consumers: Promise<void>[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = (instance[name] as (...args: unknown[]) => Promise<never>).bind(instance);
        const rpc: RpcHandlerMeta | undefined = Reflect.getMetadata(RPC_HANDLER, prototype, name);
        if (rpc) this.bus.serve(rpc.rpc, method, { queue: rpc.queue });
        const event: EventHandlerMeta | undefined = Reflect.getMetadata(EVENT_HANDLER, prototype, name);
        if (event) consumers.push(this.bus.events.consume(event.source, event.options, method));
      }
    }
    await Promise.all(consumers);
  }
}
