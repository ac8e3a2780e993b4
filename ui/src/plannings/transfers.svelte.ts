// "Charger une base" and backups run as background tasks: their progress lives here, outside the pane, so that the
// user can work in another pane and come back to it still running (or finished, with its outcome).
import { errorText, isApiError } from "../lib/api";
import { ui, t } from "../lib/state.svelte";
import { cancelTask, newTask } from "../lib/tasks";
import type { PlanningBases } from "../bindings/PlanningBases";
import type { TaskStep } from "../bindings/TaskStep";
import { bases } from "./api";

export type Transfer = {
  taskId: string;
  kind: "upload" | "download";
  planningId: number;
  /// The file sent, or the base saved.
  name: string;
  step: TaskStep | null;
  done: number;
  total: number;
  /// Bytes per second, smoothed; null until measured.
  speed: number | null;
  /// "" while running; then the outcome to show.
  outcome: "" | "done" | "cancelled" | "failed";
  message: string;
};

export const transfers = $state<{ current: Transfer | null }>({ current: null });

/// Where the bytes started moving: the speed is their average since then (steady, and right after a resume).
let moveStart: { at: number; done: number } | null = null;

function track(kind: Transfer["kind"], planningId: number, name: string) {
  moveStart = null;
  const args = newTask((p) => {
    const tr = transfers.current;
    if (!tr || tr.taskId !== p.task_id) return;
    tr.step = p.step;
    if (p.done !== undefined) {
      const moving = p.step === "uploading" || p.step === "downloading";
      const now = performance.now();
      if (moving && !moveStart) moveStart = { at: now, done: p.done };
      if (moving && moveStart && now - moveStart.at >= 500 && p.done > moveStart.done) {
        tr.speed = ((p.done - moveStart.done) * 1000) / (now - moveStart.at);
      }
      tr.done = p.done;
    }
    if (p.total !== undefined) tr.total = p.total;
  });
  transfers.current = { taskId: args.taskId, kind, planningId, name, step: null, done: 0, total: 0, speed: null, outcome: "", message: "" };
  return args;
}

function settle(e: unknown) {
  const tr = transfers.current;
  if (!tr) return;
  tr.outcome = isApiError(e) && e.code === "cancelled" ? "cancelled" : "failed";
  tr.message = errorText(e, ui.language, t().unexpected);
}

/// Sends `path` to the planning; resolves with the planning's bases once the new one is in service.
export async function upload(planningId: number, path: string): Promise<PlanningBases | null> {
  const name = path.split(/[\\/]/).pop() ?? path;
  const args = track("upload", planningId, name);
  try {
    const answer = await bases.upload(planningId, path, args);
    if (transfers.current?.taskId === args.taskId) transfers.current.outcome = "done";
    return answer;
  } catch (e) {
    if (transfers.current?.taskId === args.taskId) settle(e);
    return null;
  }
}

/// Saves a kept base as a .HHYP in the downloads folder; resolves with where.
export async function download(planningId: number, baseId: number, name: string): Promise<string | null> {
  const args = track("download", planningId, name);
  try {
    const saved = await bases.download(planningId, baseId, args);
    if (transfers.current?.taskId === args.taskId) (transfers.current.outcome = "done"), (transfers.current.message = saved);
    return saved;
  } catch (e) {
    if (transfers.current?.taskId === args.taskId) settle(e);
    return null;
  }
}

export const cancel = () => transfers.current && cancelTask(transfers.current.taskId);
export const dismiss = () => (transfers.current = null);
export const running = () => transfers.current !== null && transfers.current.outcome === "";
