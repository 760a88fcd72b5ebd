import { Module } from '@nestjs/common';
import { BusySource } from './busy/busy-source';
import { MemberAvailabilityReader } from './member-availability';
import { MemberStore } from './member-store';
import { RoutingCandidates } from './routing-candidates';
import { ProfileHandler } from './profiles/profile.handler';
import { CacheInvalidation } from './projections/cache-invalidation';
import { ProjectionConsumer } from './projections/projection.consumer';
import { ExplainHandler } from './slots/explain.handler';
import { FindSlotsHandler } from './slots/find-slots.handler';

@Module({
  providers: [
    MemberStore,
    RoutingCandidates,
    BusySource,
    MemberAvailabilityReader,
    ProfileHandler,
    FindSlotsHandler,
    ExplainHandler,
    ProjectionConsumer,
    CacheInvalidation,
  ],
})
export class AvailabilityModule {}
