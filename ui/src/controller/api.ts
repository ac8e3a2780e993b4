// Contrôleur pane's commands: one page of users (searched, sorted and paged by the controller), one change at a time.
import { inSession } from "../lib/api";
import type { UserChange } from "../bindings/UserChange";
import type { UserOutcome } from "../bindings/UserOutcome";
import type { UserPage } from "../bindings/UserPage";
import type { UserQuery } from "../bindings/UserQuery";

export const users = {
  page: (query: UserQuery) => inSession<UserPage>("users", { query }),
  change: (change: UserChange) => inSession<UserOutcome>("change_users", { change }),
};
