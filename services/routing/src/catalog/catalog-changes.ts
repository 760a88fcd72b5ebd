import { Injectable } from '@nestjs/common';

/**
 * A counter every catalog write moves on, so that answers built from catalog reads can tell they
 * are out of date. It knows this instance's writes only: another instance's show within the
 * readers' own time limit.
 */
@Injectable()
export class CatalogChanges {
  private current = 0;

  get version(): number {
    return this.current;
  }

  bump(): void {
    this.current++;
  }
}
