import { randomUUID } from 'node:crypto';
import { fromJson, toJson, type JsonObject } from '@bufbuild/protobuf';
import {
  AvailabilityProfileSchema,
  Events,
  Rpcs,
  RpcError,
  SetAvailabilityRequestSchema,
  type GetAvailabilityRequest,
  type SetAvailabilityRequest,
} from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { execute, queryOne } from '@calldesk/persistence';
import { validateProfile } from '@calldesk/scheduling';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MemberStore, type StoredProfile } from '../member-store';

/** calendar.v1.admin.availability.{set,get}: a member's hours, overrides, rules and blocked times. */
@Injectable()
export class ProfileHandler {
  constructor(
    private readonly bus: Bus,
    private readonly db: DataSource,
    private readonly members: MemberStore,
  ) {}

  @HandleRpc(Rpcs.availabilitySet)
  async set(request: SetAvailabilityRequest) {
    const timeZone = await this.memberZone(request.tenantId, request.memberId);
    const wire = toJson(SetAvailabilityRequestSchema, request) as JsonObject;
    const validation = validateProfile({
      timeZone,
      weeklyHours: wire.weeklyHours ?? [],
      overrides: wire.overrides ?? [],
      rules: wire.rules,
      blocked: wire.blocked ?? [],
    });
    if (!validation.ok) {
      const [first] = validation.errors;
      throw new RpcError('invalid_argument', `${first.field} ${first.message}`, {
        field: first.field,
        errors: validation.errors,
      });
    }
    const { timeZone: _zone, ...profile } = validation.profile;
    await execute(
      this.db,
      `INSERT INTO profiles (tenant_id, member_id, profile, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (tenant_id, member_id) DO UPDATE SET profile = excluded.profile, updated_at = now()`,
      [request.tenantId, request.memberId, JSON.stringify(profile)],
    );
    this.members.invalidate(request.tenantId, request.memberId);
    const changedAt = new Date().toISOString();
    await this.bus.events.publish(
      Events.availabilityChanged,
      { tenantId: request.tenantId, memberId: request.memberId, changedAt },
      `availability:${request.tenantId}:${request.memberId}:${randomUUID()}`,
    );
    return { profile: present(request.tenantId, request.memberId, timeZone, profile) };
  }

  @HandleRpc(Rpcs.availabilityGet)
  async get(request: GetAvailabilityRequest) {
    const timeZone = await this.memberZone(request.tenantId, request.memberId);
    const row = await queryOne<{ profile: StoredProfile }>(
      this.db,
      `SELECT profile FROM profiles WHERE tenant_id = $1 AND member_id = $2`,
      [request.tenantId, request.memberId],
    );
    if (!row)
      throw new RpcError('not_found', `member ${request.memberId} has no availability yet`, {
        memberId: request.memberId,
      });
    return { profile: present(request.tenantId, request.memberId, timeZone, row.profile) };
  }

  /** Routing owns members: their existence and zone come from it. */
  private async memberZone(tenantId: string, memberId: string): Promise<string> {
    const { member } = await this.bus.request(Rpcs.membersGet, { tenantId, id: memberId });
    if (!member) throw RpcError.notFound('member', memberId);
    return member.timeZone;
  }
}

function present(tenantId: string, memberId: string, timeZone: string, profile: StoredProfile) {
  return fromJson(AvailabilityProfileSchema, { tenantId, memberId, timeZone, ...profile } as unknown as JsonObject);
}
