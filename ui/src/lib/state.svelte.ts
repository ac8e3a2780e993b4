// The UI language, shared by every screen; `t()` gives its texts.
import type { Language } from "../bindings/Language";
import { messages, type Messages } from "./i18n";

export const ui = $state({ language: "fr" as Language });

export function t(): Messages {
  return messages[ui.language];
}
