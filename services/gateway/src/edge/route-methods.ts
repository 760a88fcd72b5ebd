import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

interface Route {
  pattern: RegExp;
  method: string;
}

/** Which methods the gateway serves on a path: what tells a wrong method (405) from no route (404). */
@Injectable()
export class RouteMethods implements OnApplicationBootstrap {
  private routes: Route[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onApplicationBootstrap(): void {
    this.routes = this.discovery.getControllers().flatMap(({ metatype, instance }) => {
      if (!metatype || !instance) return [];
      const prefixes = paths(Reflect.getMetadata(PATH_METADATA, metatype));
      const prototype = Object.getPrototypeOf(instance);
      return this.scanner.getAllMethodNames(prototype).flatMap((name) => {
        const handler = prototype[name];
        const own = Reflect.getMetadata(PATH_METADATA, handler);
        if (own === undefined) return [];
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        return prefixes.flatMap((prefix) =>
          paths(own).map((path) => ({ pattern: patternOf(`${prefix}/${path}`), method })),
        );
      });
    });
  }

  /** The methods served on `path`; HEAD goes with GET. */
  on(path: string): string[] {
    const methods = new Set(this.routes.filter((route) => route.pattern.test(path)).map((route) => route.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}

function paths(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value ?? '']).map(String);
}

/** `/v1/bookings/:id/cancel` as Express matches it: any one segment for a parameter, case aside, a trailing slash allowed. */
function patternOf(path: string): RegExp {
  const segments = path.split('/').filter(Boolean);
  const source = segments
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^/${source}/?$`, 'i');
}
