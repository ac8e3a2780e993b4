// Typed wrappers over the Tauri commands; the types are generated from Rust (ui/src/bindings, by ts-rs).
import { invoke } from "@tauri-apps/api/core";
import type { ConfigChange } from "../bindings/ConfigChange";
import type { Configuration } from "../bindings/Configuration";
import type { ConsoleInfo } from "../bindings/ConsoleInfo";
import type { EnrolmentReceipt } from "../bindings/EnrolmentReceipt";
import type { Error as ApiError } from "../bindings/Error";
import type { Language } from "../bindings/Language";
import type { Licence } from "../bindings/Licence";
import type { SessionInfo } from "../bindings/SessionInfo";
import type { StartupState } from "../bindings/StartupState";
import type { StatusListPreferences } from "../bindings/StatusListPreferences";

/// Errors after which the open session is of no use: the app goes back to the login screen and says why.
const SESSION_LOST = new Set(["session_required", "certificate_revoked", "not_connected"]);
let sessionLost: (e: ApiError) => void = () => {};
export function whenSessionLost(handler: (e: ApiError) => void) {
  sessionLost = handler;
}

/// A command that needs the open session.
async function inSession<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isApiError(e) && SESSION_LOST.has(e.code)) sessionLost(e);
    throw e;
  }
}

export const api = {
  startup: () => invoke<StartupState>("startup"),
  setLanguage: (language: Language) => invoke<void>("set_language", { language }),
  enrol: (controller: string, hostingNumber: string, password: string, invoiceNumber: string, caFingerprint: string | null) =>
    invoke<EnrolmentReceipt>("enrol", { controller, hostingNumber, password, invoiceNumber, caFingerprint }),
  login: (controller: string, hostingNumber: string, password: string, caFingerprint: string | null) =>
    invoke<SessionInfo>("login", { controller, hostingNumber, password, caFingerprint }),
  licence: () => inSession<Licence>("licence"),
  acceptLicence: (version: number) => inSession<Licence>("accept_licence", { version }),
  info: () => inSession<ConsoleInfo>("info"),
  logout: () => invoke<void>("logout"),
  forgetController: (controller: string) => invoke<void>("forget_controller", { controller }),
  configuration: () => inSession<Configuration>("configuration"),
  statuses: () => inSession<Configuration>("statuses"),
  configure: (change: ConfigChange) => inSession<Configuration>("configure", { change }),
  setStatusListPreferences: (preferences: StatusListPreferences) =>
    invoke<void>("set_status_list_preferences", { preferences }),
};

/// Copies to the clipboard; falls back to a hidden text area where the Clipboard API is not allowed.
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

export function isApiError(e: unknown): e is ApiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/// The error's text in the UI language; never "unknown error": anything unexpected is shown as it came.
export function errorText(e: unknown, language: Language, unexpected: string): string {
  if (isApiError(e)) return language === "fr" ? e.message_fr : e.message;
  return `${unexpected} ${String(e)}`;
}

// Input masks: what a user may type into each field.
export const onlyDigits = (s: string, max: number) => s.replace(/\D/g, "").slice(0, max);
export const validHostingNumber = (s: string) => /^\d{12}$/.test(s);
export const validInvoiceNumber = (s: string) => /^\d{10}$/.test(s);
export const validPassword = (s: string) => [...s.trim()].length === 14 && !/\s/.test(s.trim());
export const validFingerprint = (s: string) => /^[0-9a-fA-F]{64}$/.test(s.replace(/[\s:]/g, ""));
export const validAddress = (s: string) => /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(s.trim().replace(/^https:\/\//, "").replace(/\/$/, ""));
