// Contrôleur pane's commands: one page of users (searched, sorted and paged by the controller), one change at a time;
// a planning's profiles and the changes to them and to their assignments.
import { inSession } from "../lib/api";
import type { PlanningProfiles } from "../bindings/PlanningProfiles";
import type { ProfileChange } from "../bindings/ProfileChange";
import type { ProfileOutcome } from "../bindings/ProfileOutcome";
import type { UserChange } from "../bindings/UserChange";
import type { UserOutcome } from "../bindings/UserOutcome";
import type { UserPage } from "../bindings/UserPage";
import type { UserQuery } from "../bindings/UserQuery";

export const users = {
  page: (query: UserQuery) => inSession<UserPage>("users", { query }),
  change: (change: UserChange) => inSession<UserOutcome>("change_users", { change }),
};

export const profiles = {
  of: (planningId: number) => inSession<PlanningProfiles>("profiles", { planningId }),
  change: (change: ProfileChange) => inSession<ProfileOutcome>("change_profiles", { change }),
};
