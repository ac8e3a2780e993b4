// What every pane's commands share: the session-lost handler, errors as `{code, message}`, the clipboard.
// Each pane declares its own commands in its folder (connexion/api.ts, configuration/api.ts…); the types are
// generated from Rust (ui/src/bindings, by ts-rs).
import { invoke } from "@tauri-apps/api/core";
import type { Error as ApiError } from "../bindings/Error";
import type { Language } from "../bindings/Language";

/// Errors after which the open session is of no use: the app goes back to the login screen and says why.
const SESSION_LOST = new Set(["session_required", "certificate_revoked", "not_connected"]);
let sessionLost: (e: ApiError) => void = () => {};
export function whenSessionLost(handler: (e: ApiError) => void) {
  sessionLost = handler;
}

/// A command that needs the open session.
export async function inSession<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isApiError(e) && SESSION_LOST.has(e.code)) sessionLost(e);
    throw e;
  }
}


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

/// Where a form shows an error: beside the field it names when the form has that field, else under the form.
export function formError(
  e: unknown,
  fields: object,
  language: Language,
  unexpected: string,
): { errors: Record<string, string>; error: string } {
  const text = errorText(e, language, unexpected);
  if (isApiError(e) && e.field && e.field in fields) return { errors: { [e.field]: text }, error: "" };
  return { errors: {}, error: text };
}

/// The error's text in the UI language; never "unknown error": anything unexpected is shown as it came.
export function errorText(e: unknown, language: Language, unexpected: string): string {
  if (isApiError(e)) return language === "fr" ? e.message_fr : e.message;
  return `${unexpected} ${String(e)}`;
}
