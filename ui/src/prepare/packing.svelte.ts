// Generating a .HHYP runs as a background task; its progress lives here, outside the panel, so that the user can
// look at another tab (or pane) and come back to it still running, or finished with its outcome.
import { isApiError } from "../lib/api";
import { cancelTask, newTask } from "../lib/tasks";
import type { PackedHhyp } from "../bindings/PackedHhyp";
import { prepare } from "./api";

export type Packing = {
  taskId: string;
  dir: string;
  done: number;
  total: number;
  outcome: "" | "done" | "cancelled" | "failed";
  /// What went wrong (shown in the language of the moment), and the field it is about.
  error: unknown;
  field: string;
  packed: PackedHhyp | null;
};

/// `hosting`: the number typed, kept while the user looks at other tabs.
export const packing = $state<{ current: Packing | null; hosting: string }>({ current: null, hosting: "" });

export async function pack(dir: string, hostingNumber: string, output: string) {
  const args = newTask((p) => {
    const current = packing.current;
    if (!current || current.taskId !== p.task_id) return;
    if (p.done !== undefined) current.done = p.done;
    if (p.total !== undefined) current.total = p.total;
  });
  packing.current = { taskId: args.taskId, dir, done: 0, total: 0, outcome: "", error: null, field: "", packed: null };
  try {
    const packed = await prepare.pack(dir, hostingNumber, output, args);
    if (packing.current?.taskId === args.taskId) (packing.current.packed = packed), (packing.current.outcome = "done");
  } catch (e) {
    const current = packing.current;
    if (current?.taskId !== args.taskId) return;
    current.outcome = isApiError(e) && e.code === "cancelled" ? "cancelled" : "failed";
    current.error = e;
    current.field = isApiError(e) ? (e.field ?? "") : "";
  }
}

export const cancelPacking = () => packing.current && cancelTask(packing.current.taskId);
export const dismissPacking = () => (packing.current = null);
