import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';

/** What a browser loads: the owner's dashboard and the API reference. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
