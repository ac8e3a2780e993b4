// Contrôleur pane's commands: one page of users (searched, sorted and paged by the controller), one change at a time;
// a planning's profiles and the changes to them and to their assignments.
import { invoke } from "@tauri-apps/api/core";
import { inSession } from "../lib/api";
import type { CsvDownload } from "../bindings/CsvDownload";
import type { UsersImport } from "../bindings/UsersImport";
import type { ProfilsImport } from "../bindings/ProfilsImport";
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
  // Sent to the planning the profile belongs to: the controller checks the caller may touch that planning.
  change: (planningId: number, change: ProfileChange) =>
    inSession<ProfileOutcome>("change_profiles", { planningId, change }),
};

/// The file the user just chose, read whole. The input is emptied, so that choosing the same file again (once
/// corrected) reads it again.
export async function chosenFile(event: Event): Promise<{ bytes: Uint8Array; name: string } | null> {
  const input = event.currentTarget as HTMLInputElement;
  const chosen = input.files?.[0];
  if (!chosen) return null;
  const bytes = new Uint8Array(await chosen.arrayBuffer());
  input.value = "";
  return { bytes, name: chosen.name };
}

/// Base64 of a file's bytes, a chunk at a time (a 16 MiB file would overflow the call stack in one go).
function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export const imports = {
  /// `check` writes nothing.
  send: (file: Uint8Array, check: boolean) => inSession<UsersImport>("import_users", { file: base64(file), check }),
  /// Saves a CSV file into the downloads folder; resolves to its path.
  save: (download: CsvDownload, french: boolean) => invoke<string>("save_download", { download, french }),
};

export const profils = {
  /// `check` previews: the controller runs the changes and rolls them back.
  send: (file: Uint8Array, check: boolean) => inSession<ProfilsImport>("import_profils", { file: base64(file), check }),
  /// Writes the export into the downloads folder; resolves to its path.
  export: (french: boolean) => inSession<string>("export_profils", { french }),
};
