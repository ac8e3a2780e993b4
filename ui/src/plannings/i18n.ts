// Mes plannings' texts. French is the reference; English has exactly the same keys (the type checker says so).
import { ui } from "../lib/state.svelte";

const fr = {
  planning: "Planning",
  serverTab: "Serveur du planning",
  publicationName: "Nom de publication",
  publicationHint: "Le nom que voient les utilisateurs ; il se change dans le volet Configuration.",
  status: "État",
  inService: "Base en service",
  noBase: "Aucune base n'est en service : créez-en une (ou chargez un fichier .HHYP).",
  createBase: "Créer une base",
  otherBases: "Autres bases",
  otherBasesHint: (n: number) => `Les ${n} bases précédentes sont gardées ; chacune peut être remise en service.`,
  noOtherBase: "Aucune autre base.",
  restore: "Remettre en service",
  confirmRestore: (name: string) => `Remettre en service la base ${name} ? La base actuelle passera dans « Autres bases ».`,
  restored: (name: string) => `La base ${name} est en service.`,
  created: (name: string) => `La base ${name} est créée et en service.`,
  weeks: (n: number) => `${n} semaine${n > 1 ? "s" : ""}`,
  weeksShort: (n: number) => `${n} sem.`,
  counts: (courses: number, placements: number, teachers: number) =>
    `${courses} cours, ${placements} placements, ${teachers} enseignants`,
  addedAt: (when: string) => `ajoutée le ${when}`,
  origin_created: "créée ici",
  origin_uploaded: "chargée (.HHYP)",
  gridTitle: "Créer une base : la grille horaire",
  gridExplain: "La base est mise en service dès la validation de la grille. La grille pourra être modifiée plus tard.",
  baseName: "Nom de la base",
  baseNameHint: "Lettres, chiffres, espaces, - _ ou . ; c'est aussi le nom du fichier .HHYP.",
  firstMonday: "Premier lundi",
  lastSunday: "Dernier dimanche",
  workingDays: "Jours travaillés",
  days: ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"],
  sequences: "Séquences par jour",
  firstStart: "Début de la première séquence",
  sequenceMinutes: "Durée d'une séquence (minutes)",
  steps: "Pas par séquence",
  stepsHint: "Les cours se placent sur des pas : une séquence de 60 minutes en 2 pas donne des demi-heures.",
  preview: (weeks: number) => `Aperçu d'une journée — la grille couvre ${weeks} semaine${weeks > 1 ? "s" : ""}`,
  previewNone: "L'aperçu apparaît quand la grille est complète et correcte.",
  validate: "Valider et mettre en service",
  creating: "Création…",
  cancel: "Annuler",
  uploadBase: "Charger une base (.HHYP)",
  download: "Télécharger (.HHYP)",
  step_waiting: "En attente du contrôleur",
  sizeOf: (done: string, total: string) => `${done} sur ${total}`,
  speed: (perSecond: string) => `${perSecond}/s`,
  timeLeft: (left: string) => `reste ${left}`,
  cancelTransfer: "Annuler",
  uploaded: (name: string) => `La base ${name} est chargée et en service.`,
  uploadedFrom: (file: string) => `Fichier envoyé : ${file}`,
  saved: (path: string) => `Base enregistrée : ${path}`,
  transferCancelled: "Annulé : rien n'a changé sur le contrôleur.",
  transferFailed: "Le transfert n'a pas abouti.",
  transferResume: "Choisissez de nouveau le même fichier : l'envoi reprendra là où il s'est arrêté.",
  close: "Fermer",
  transferBusy: "Un transfert est en cours : attendez sa fin ou annulez-le.",
  units: ["o", "Ko", "Mo", "Go"],
};

export type PlanningsMessages = typeof fr;

const en: PlanningsMessages = {
  planning: "Planning",
  serverTab: "Planning server",
  publicationName: "Publication name",
  publicationHint: "The name users see; it is changed in the Configuration pane.",
  status: "Status",
  inService: "Base in service",
  noBase: "No base is in service: create one (or load a .HHYP file).",
  createBase: "Create a base",
  otherBases: "Other bases",
  otherBasesHint: (n: number) => `The ${n} previous bases are kept; each can be put back in service.`,
  noOtherBase: "No other base.",
  restore: "Put back in service",
  confirmRestore: (name: string) => `Put base ${name} back in service? The current base moves to "Other bases".`,
  restored: (name: string) => `Base ${name} is in service.`,
  created: (name: string) => `Base ${name} is created and in service.`,
  weeks: (n: number) => `${n} week${n > 1 ? "s" : ""}`,
  weeksShort: (n: number) => `${n} wk`,
  counts: (courses: number, placements: number, teachers: number) =>
    `${courses} courses, ${placements} placements, ${teachers} teachers`,
  addedAt: (when: string) => `added ${when}`,
  origin_created: "created here",
  origin_uploaded: "loaded (.HHYP)",
  gridTitle: "Create a base: the time grid",
  gridExplain: "The base is put in service as soon as the grid is validated. The grid can be changed later.",
  baseName: "Base name",
  baseNameHint: "Letters, digits, spaces, - _ or .; it is also the .HHYP file's name.",
  firstMonday: "First Monday",
  lastSunday: "Last Sunday",
  workingDays: "Working days",
  days: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
  sequences: "Sequences per day",
  firstStart: "First sequence starts at",
  sequenceMinutes: "Sequence length (minutes)",
  steps: "Steps per sequence",
  stepsHint: "Courses are placed on steps: a 60-minute sequence in 2 steps gives half hours.",
  preview: (weeks: number) => `One day's preview — the grid spans ${weeks} week${weeks > 1 ? "s" : ""}`,
  previewNone: "The preview appears once the grid is complete and right.",
  validate: "Validate and put in service",
  creating: "Creating…",
  cancel: "Cancel",
  uploadBase: "Load a base (.HHYP)",
  download: "Download (.HHYP)",
  step_waiting: "Waiting for the controller",
  sizeOf: (done: string, total: string) => `${done} of ${total}`,
  speed: (perSecond: string) => `${perSecond}/s`,
  timeLeft: (left: string) => `${left} left`,
  cancelTransfer: "Cancel",
  uploaded: (name: string) => `Base ${name} is loaded and in service.`,
  uploadedFrom: (file: string) => `File sent: ${file}`,
  saved: (path: string) => `Base saved: ${path}`,
  transferCancelled: "Cancelled: nothing changed on the controller.",
  transferFailed: "The transfer did not complete.",
  transferResume: "Choose the same file again: sending resumes where it stopped.",
  close: "Close",
  transferBusy: "A transfer is under way: wait for it to end or cancel it.",
  units: ["B", "KB", "MB", "GB"],
};

export function tp(): PlanningsMessages {
  return ui.language === "fr" ? fr : en;
}

/// 1.5 Mo / 1.5 MB (powers of 1024), in the language's number format.
export function size(bytes: number): string {
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < 3) (value /= 1024), unit++;
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toLocaleString(ui.language === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: digits })} ${tp().units[unit]}`;
}

/// 45 s, 3 min 20 s, 1 h 05 min.
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}
