// Configuration's commands: the configuration, the statuses, one change at a time, the status list's view.
import { invoke } from "@tauri-apps/api/core";
import { inSession } from "../lib/api";
import type { ConfigChange } from "../bindings/ConfigChange";
import type { Configuration } from "../bindings/Configuration";
import type { StatusListPreferences } from "../bindings/StatusListPreferences";

export const configuration = {
  configuration: () => inSession<Configuration>("configuration"),
  statuses: () => inSession<Configuration>("statuses"),
  configure: (change: ConfigChange) => inSession<Configuration>("configure", { change }),
  setStatusListPreferences: (preferences: StatusListPreferences) =>
    invoke<void>("set_status_list_preferences", { preferences }),
};
