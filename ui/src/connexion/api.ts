// Connexion's commands: start-up, enrolment, login, licence, logout; and what each credential field accepts.
import { invoke } from "@tauri-apps/api/core";
import { inSession } from "../lib/api";
import type { TaskArgs } from "../lib/tasks";
import type { ConsoleInfo } from "../bindings/ConsoleInfo";
import type { EnrolmentReceipt } from "../bindings/EnrolmentReceipt";
import type { Language } from "../bindings/Language";
import type { Licence } from "../bindings/Licence";
import type { SessionInfo } from "../bindings/SessionInfo";
import type { StartupState } from "../bindings/StartupState";
import type { PasswordChange } from "../bindings/PasswordChange";
import type { WhoAmI } from "../bindings/WhoAmI";

export const connexion = {
  startup: () => invoke<StartupState>("startup"),
  setLanguage: (language: Language) => invoke<void>("set_language", { language }),
  // Both run as background tasks: their steps are reported and they can be cancelled (lib/tasks.ts).
  // `login` is an administrator's; null for the hosting manager.
  enrol: (
    controller: string,
    hostingNumber: string,
    login: string | null,
    password: string,
    invoiceNumber: string,
    caFingerprint: string | null,
    task: TaskArgs,
  ) => invoke<EnrolmentReceipt>("enrol", { controller, hostingNumber, login, password, invoiceNumber, caFingerprint, ...task }),
  login: (
    controller: string,
    hostingNumber: string,
    login: string | null,
    password: string,
    caFingerprint: string | null,
    task: TaskArgs,
  ) => invoke<SessionInfo>("login", { controller, hostingNumber, login, password, caFingerprint, ...task }),
  whoami: () => inSession<WhoAmI>("whoami"),
  changeOwnPassword: (change: PasswordChange) => inSession<WhoAmI>("change_own_password", { change }),
  licence: () => inSession<Licence>("licence"),
  acceptLicence: (version: number) => inSession<Licence>("accept_licence", { version }),
  info: () => inSession<ConsoleInfo>("info"),
  logout: () => invoke<void>("logout"),
  forgetController: (controller: string) => invoke<void>("forget_controller", { controller }),
};

// Input masks: what a user may type into each field.
export const onlyDigits = (s: string, max: number) => s.replace(/\D/g, "").slice(0, max);
export const validHostingNumber = (s: string) => /^\d{12}$/.test(s);
export const validInvoiceNumber = (s: string) => /^\d{10}$/.test(s);
export const validPassword = (s: string) => [...s.trim()].length === 14 && !/\s/.test(s.trim());
export const validLogin = (s: string) => /^[\p{L}\p{N}][\p{L}\p{N}._@-]{1,39}$/u.test(s.trim());
export const validFingerprint = (s: string) => /^[0-9a-fA-F]{64}$/.test(s.replace(/[\s:]/g, ""));
export const validAddress = (s: string) => /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(s.trim().replace(/^https:\/\//, "").replace(/\/$/, ""));
