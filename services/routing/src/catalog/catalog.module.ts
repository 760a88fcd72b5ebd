import { Module } from '@nestjs/common';
import { CatalogChanges } from './catalog-changes';
import { MembersHandler } from './members.handler';
import { MembersRepository } from './members.repository';
import { ServicesHandler } from './services.handler';
import { ServicesRepository } from './services.repository';
import { TenantsHandler } from './tenants.handler';
import { TenantsRepository } from './tenants.repository';

/**
 * Tenants, members and services and their admin subjects. A module of its own so that tests of
 * the admin subjects start no booking-event consumer.
 */
@Module({
  providers: [
    CatalogChanges,
    TenantsHandler,
    TenantsRepository,
    MembersHandler,
    MembersRepository,
    ServicesHandler,
    ServicesRepository,
  ],
  exports: [CatalogChanges, TenantsRepository, MembersRepository, ServicesRepository],
})
export class CatalogModule {}
