import { compileProfile, type MemberSchedule } from '@calldesk/scheduling';
import type { StoredProfile } from './member-store';

// Keyed by the stored profile object: a new profile (after a change) is a new object, and the
// old one's compiled forms go with it.
const compiled = new WeakMap<StoredProfile, Map<string, MemberSchedule>>();

/** The numeric schedule of a profile in a zone, compiled once per profile and zone. */
export function scheduleOf(profile: StoredProfile, timeZone: string): MemberSchedule {
  let byZone = compiled.get(profile);
  if (!byZone) compiled.set(profile, (byZone = new Map()));
  let schedule = byZone.get(timeZone);
  if (!schedule) byZone.set(timeZone, (schedule = compileProfile({ ...profile, timeZone })));
  return schedule;
}
