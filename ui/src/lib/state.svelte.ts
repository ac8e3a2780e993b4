// UI state shared by every screen: the language (with `t()` for its texts) and the status list's preferences,
// both loaded at start-up and remembered by the console when changed.
import type { Language } from "../bindings/Language";
import type { StatusListPreferences } from "../bindings/StatusListPreferences";
import type { WhoAmI } from "../bindings/WhoAmI";
import { inSession } from "./api";
import { messages, type Messages } from "./i18n";

export const ui = $state({
  language: "fr" as Language,
  statusList: { auto_refresh: true, view: "list", sort: "name", group_by_status: false } as StatusListPreferences,
  timeZones: [] as string[],
  // Who is logged in: its panes and the plannings it reaches (refreshed by the shell and the panes that list plannings).
  who: null as WhoAmI | null,
});

export async function refreshWho(): Promise<WhoAmI> {
  ui.who = await inSession<WhoAmI>("whoami");
  return ui.who;
}

export function t(): Messages {
  return messages[ui.language];
}
