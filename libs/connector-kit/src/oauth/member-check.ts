import { Rpcs } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { Injectable } from '@nestjs/common';

/** Whether a member belongs to a tenant, as routing (which owns members) says. */
@Injectable()
export class MemberCheck {
  constructor(private readonly bus: Bus) {}

  /** Routing's not_found when the member is not the tenant's; unavailable or deadline_exceeded when routing cannot say. */
  async require(tenantId: string, memberId: string): Promise<void> {
    await this.bus.request(Rpcs.membersGet, { tenantId, id: memberId }, { timeoutMs: 2_000 });
  }
}
