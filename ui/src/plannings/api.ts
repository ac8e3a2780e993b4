// Mes plannings' commands: a planning's bases, their changes, and the time grid checked by the core as it is typed.
import { invoke } from "@tauri-apps/api/core";
import { inSession } from "../lib/api";
import type { BaseChange } from "../bindings/BaseChange";
import type { GridCheck } from "../bindings/GridCheck";
import type { PlanningBases } from "../bindings/PlanningBases";
import type { TimeGrid } from "../bindings/TimeGrid";

export const bases = {
  of: (planningId: number) => inSession<PlanningBases>("bases", { planningId }),
  change: (planningId: number, change: BaseChange) => inSession<PlanningBases>("change_bases", { planningId, change }),
  /// Local: no network, the same rules as the controller's.
  checkGrid: (grid: TimeGrid) => invoke<GridCheck>("check_grid", { grid }),
};
