// Préparation hors ligne's commands: a prepared base in a folder of this computer, no controller, no session.
import { invoke } from "@tauri-apps/api/core";
import type { CsvDownload } from "../bindings/CsvDownload";
import type { GridConversion } from "../bindings/GridConversion";
import type { PackedHhyp } from "../bindings/PackedHhyp";
import type { PreparedSummary } from "../bindings/PreparedSummary";
import type { PreparedUser } from "../bindings/PreparedUser";
import type { PreparedUsersImport } from "../bindings/PreparedUsersImport";
import type { TimeGrid } from "../bindings/TimeGrid";
import type { TimetableFile } from "../bindings/TimetableFile";
import type { TimetableImport } from "../bindings/TimetableImport";
import type { UnplacedCourse } from "../bindings/UnplacedCourse";
import type { TaskArgs } from "../lib/tasks";

export const prepare = {
  create: (dir: string, name: string, grid: TimeGrid) => invoke<PreparedSummary>("prepare_create", { dir, name, grid }),
  summary: (dir: string) => invoke<PreparedSummary>("prepare_summary", { dir }),
  grid: (dir: string) => invoke<TimeGrid>("prepare_grid", { dir }),
  changeGrid: (dir: string, grid: TimeGrid, apply: boolean) => invoke<GridConversion>("prepare_change_grid", { dir, grid, apply }),
  unplaced: (dir: string) => invoke<UnplacedCourse[]>("prepare_unplaced", { dir }),
  importTimetable: (dir: string, files: [TimetableFile, string][], write: boolean) =>
    invoke<TimetableImport>("prepare_import_timetable", { dir, files, write }),
  addAnnexes: (dir: string, paths: string[]) => invoke<string[]>("prepare_add_annexes", { dir, paths }),
  removeAnnex: (dir: string, name: string) => invoke<void>("prepare_remove_annex", { dir, name }),
  users: (dir: string) => invoke<PreparedUser[]>("prepare_users", { dir }),
  importUsers: (dir: string, path: string, write: boolean) => invoke<PreparedUsersImport>("prepare_import_users", { dir, path, write }),
  removeUsers: (dir: string, logins: string[]) => invoke<number>("prepare_remove_users", { dir, logins }),
  exportProfils: (dir: string, planning: string | null, output: string) => invoke<number>("prepare_export_profils", { dir, planning, output }),
  pack: (dir: string, hostingNumber: string, output: string, task: TaskArgs) =>
    invoke<PackedHhyp>("prepare_pack", { dir, hostingNumber, output, ...task }),
  saveTemplate: (download: CsvDownload, french: boolean) => invoke<string>("save_download", { download, french }),
};

/// Native dialogs; null or [] when closed without a choice.
export const pick = {
  folder: () => invoke<string | null>("pick_folder"),
  files: (kind: "csv" | "any") => invoke<string[]>("pick_files", { kind }),
  save: (name: string, extension: string) => invoke<string | null>("pick_save", { name, extension }),
};

/// The last prepared base opened, to open it again next time.
const LAST = "planhost.prepare.last";
export const lastFolder = {
  get: () => localStorage.getItem(LAST),
  set: (dir: string | null) => (dir ? localStorage.setItem(LAST, dir) : localStorage.removeItem(LAST)),
};

export const fileName = (path: string) => path.split(/[\\/]/).pop() ?? path;

/// A message made when it is shown, so that it follows a change of language.
export type Say = (() => string) | null;
