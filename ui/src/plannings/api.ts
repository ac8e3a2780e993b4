// Mes plannings' commands: a planning's bases, their changes, and the time grid checked by the core as it is typed.
import { invoke } from "@tauri-apps/api/core";
import { inSession } from "../lib/api";
import type { BaseChange } from "../bindings/BaseChange";
import type { GridCheck } from "../bindings/GridCheck";
import type { PlanningBases } from "../bindings/PlanningBases";
import type { TimeGrid } from "../bindings/TimeGrid";
import type { TaskArgs } from "../lib/tasks";

export const bases = {
  of: (planningId: number) => inSession<PlanningBases>("bases", { planningId }),
  change: (planningId: number, change: BaseChange) => inSession<PlanningBases>("change_bases", { planningId, change }),
  /// The native file dialog; null when closed without a choice.
  pickHhyp: () => invoke<string | null>("pick_hhyp"),
  upload: (planningId: number, path: string, task: TaskArgs) => inSession<PlanningBases>("upload_base", { planningId, path, ...task }),
  download: (planningId: number, baseId: number, task: TaskArgs) => inSession<string>("download_base", { planningId, baseId, ...task }),
  /// Local: no network, the same rules as the controller's.
  checkGrid: (grid: TimeGrid) => invoke<GridCheck>("check_grid", { grid }),
};
