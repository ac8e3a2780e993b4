// UI state shared by every screen: the language (with `t()` for its texts) and the status list's preferences,
// both loaded at start-up and remembered by the console when changed.
import type { Language } from "../bindings/Language";
import type { StatusListPreferences } from "../bindings/StatusListPreferences";
import { messages, type Messages } from "./i18n";

export const ui = $state({
  language: "fr" as Language,
  statusList: { auto_refresh: true, view: "list", sort: "name", group_by_status: false } as StatusListPreferences,
  timeZones: [] as string[],
});

export function t(): Messages {
  return messages[ui.language];
}
