import type { Type } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';

/** The controllers of a Nest module and of every module it imports, read from their decorators (no application is made). */
export function controllersOf(module: Type, seen = new Set<Type>()): Type[] {
  if (seen.has(module)) return [];
  seen.add(module);
  const imports: Type[] = Reflect.getMetadata(MODULE_METADATA.IMPORTS, module) ?? [];
  const own: Type[] = Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, module) ?? [];
  return [...imports.flatMap((imported) => controllersOf(imported, seen)), ...own];
}
