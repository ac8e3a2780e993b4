// Préparation hors ligne's texts. French is the reference; English has exactly the same keys (the type checker says so).
import { ui } from "../lib/state.svelte";
import type { TimetableFile } from "../bindings/TimetableFile";

const fr = {
  title: "Préparation hors ligne",
  explain:
    "Préparez une base sans contrôleur ni réseau : sa grille horaire, son emploi du temps, ses annexes et ses utilisateurs ; puis générez le fichier .HHYP à charger dans Mes plannings.",
  newBase: "Nouvelle base…",
  openBase: "Ouvrir une base préparée…",
  newTitle: "Nouvelle base préparée : la grille horaire",
  newExplain: "Validez, puis choisissez le dossier où ranger la base : un sous-dossier à son nom y est créé.",
  folderClosed: "Aucun dossier choisi : rien n'a été créé.",
  backToLogin: "Retour à la connexion",
  close: "Fermer la base",
  folder: "Dossier",
  tabs: ["Résumé", "Grille", "Emploi du temps", "Annexes", "Utilisateurs", "Générer"],
  // Summary
  weeks: "Semaines",
  teachers: "Enseignants",
  rooms: "Salles",
  groups: "Classes",
  subjects: "Matières",
  courses: "Cours",
  placements: "Séances",
  annexes: "Annexes",
  users: "Utilisateurs",
  size: "Taille",
  problems: "Problèmes",
  noProblem: "Aucun. Tous les cours placés tiennent dans la grille.",
  unplacedCount: (n: number) => `${n} séance${n > 1 ? "s" : ""} mise${n > 1 ? "s" : ""} de côté par un changement de grille (pas supprimée${n > 1 ? "s" : ""}) :`,
  colDate: "Date",
  colStart: "Début",
  colLength: "Durée",
  colCourse: "Cours",
  colReason: "Pourquoi",
  minutes: (n: number) => `${n} min`,
  // Grid
  gridNow: "Grille actuelle",
  gridDates: (from: string, to: string, weeks: number) => `Du ${from} au ${to} (${weeks} semaines)`,
  gridDay: (n: number, minutes: number, start: string, steps: number) =>
    `${n} séquences de ${minutes} min à partir de ${start}, ${steps} pas par séquence`,
  changeGrid: "Changer la grille…",
  createBase: "Valider, puis choisir le dossier…",
  applyGrid: "Changer la grille",
  changeTitle: "Changer la grille de la base préparée",
  changeExplain:
    "Les cours sont replacés à la même date et à la même heure. Ceux qui ne tiennent plus dans la nouvelle grille sont mis de côté et listés, jamais supprimés ; une grille qui leur laisse la place les replace.",
  confirmGrid: (n: number) =>
    `${n} séance${n > 1 ? "s" : ""} ne tiendr${n > 1 ? "ont" : "a"} plus dans cette grille : ${n > 1 ? "elles seront mises" : "elle sera mise"} de côté (pas supprimée${n > 1 ? "s" : ""}). Changer la grille ?`,
  gridChanged: (placed: number, again: number, aside: number) =>
    `Grille changée : ${placed} séance${placed > 1 ? "s" : ""} dans la nouvelle grille (${again} replacée${again > 1 ? "s" : ""}), ${aside} mise${aside > 1 ? "s" : ""} de côté.`,
  // Timetable
  timetableExplain:
    "Un fichier CSV par modèle, enregistré depuis un tableur. Tous les fichiers choisis sont lus ensemble : rien n'est importé tant qu'une ligne est fausse. Le fichier des cours remplace tous les cours.",
  fileLabels: { teachers: "Enseignants", rooms: "Salles", groups: "Classes", subjects: "Matières", courses: "Cours et créneaux" } as Record<TimetableFile, string>,
  template: "Modèle",
  choose: "Choisir…",
  change: "Changer…",
  remove: "Retirer",
  noFile: "aucun fichier",
  checking: "Vérification…",
  importing: "Import…",
  importRun: "Importer",
  templateSaved: (path: string) => `Modèle enregistré : ${path}`,
  timetableReady: (courses: number, placements: number, replaced: number, aside: number) =>
    `Les fichiers sont valides (${courses} cours, ${placements} séance${placements > 1 ? "s" : ""}). Rien n'est encore importé.` +
    (replaced > 0 ? ` L'import remplacera les ${replaced} cours actuels de la base` : "") +
    (replaced > 0 && aside > 0 ? `, avec les ${aside} séances mises de côté.` : replaced > 0 ? "." : ""),
  timetableDone: (t: number, r: number, g: number, s: number, c: number, p: number) =>
    `Importé : ${t} enseignant${t > 1 ? "s" : ""}, ${r} salle${r > 1 ? "s" : ""}, ${g} classe${g > 1 ? "s" : ""}, ${s} matière${s > 1 ? "s" : ""}, ${c} cours (${p} séance${p > 1 ? "s" : ""}).`,
  problemsFound: (n: number, files: boolean) =>
    `${n} problème${n > 1 ? "s" : ""} : rien n'a été importé. ${files ? "Corrigez les fichiers et choisissez-les à nouveau." : "Corrigez le fichier et choisissez-le à nouveau."}`,
  moreProblems: (n: number) => `… et ${n} autres problèmes.`,
  colFile: "Fichier",
  colLine: "Ligne",
  colColumn: "Colonne",
  colValue: "Valeur",
  colError: "Erreur",
  wholeFile: "(fichier)",
  // Annexes
  annexesExplain: "Photos des enseignants, documents joints : copiés dans la base préparée, puis mis dans le fichier .HHYP.",
  addFiles: "Ajouter des fichiers…",
  copying: "Copie des fichiers…",
  dropHere: "Ou déposez ici des fichiers ou des dossiers.",
  noAnnex: "Aucune annexe.",
  added: (n: number) => `${n} annexe${n > 1 ? "s" : ""} ajoutée${n > 1 ? "s" : ""}.`,
  removed: (name: string) => `${name} est retirée.`,
  colName: "Nom",
  colSize: "Taille",
  // Users
  usersExplain:
    "Les utilisateurs de cette base, lus depuis le modèle d'import des utilisateurs, avec leur profil (Administration, Modification ou Consultation). Ils sont exportés en fichier .profils à charger sur le contrôleur, qui leur donne un mot de passe.",
  usersTemplate: "Modèle",
  usersChoose: "Importer un fichier CSV…",
  usersReady: (n: number) => `${n} utilisateur${n > 1 ? "s" : ""} valide${n > 1 ? "s" : ""}. Rien n'est encore importé.`,
  usersAdded: (n: number) => `${n} utilisateur${n > 1 ? "s" : ""} ajouté${n > 1 ? "s" : ""}.`,
  noUser: "Aucun utilisateur.",
  colLogin: "Identifiant",
  colUser: "Nom",
  colStatus: "Statut",
  colProfile: "Profil",
  statuses: { user: "Utilisateur", superadministrator: "Superadministrateur", base_administrator: "Administrateur de base" } as Record<string, string>,
  planningName: "Nom du planning sur le contrôleur",
  planningHint: "Le planning où la base sera chargée, tel qu'il s'appelle sur le contrôleur (planning01…).",
  planningRequired: "Indiquez le nom du planning : le contrôleur retrouve le planning par son nom.",
  exportProfils: "Exporter en .profils…",
  exported: (n: number, path: string) => `${n} utilisateurs exportés : ${path}`,
  // .HHYP
  hhypExplain:
    "Le fichier .HHYP est propre à un numéro d'hébergement. Il est vérifié comme le fera le contrôleur avant d'être annoncé prêt ; si la génération est interrompue, aucun fichier incomplet n'est laissé.",
  hostingNumber: "Numéro d'hébergement",
  hostingHint: "12 chiffres, sur votre bon de commande.",
  hostingWrong: (n: number) => `Le numéro d'hébergement a 12 chiffres (${n} saisi${n > 1 ? "s" : ""}).`,
  generate: "Générer le fichier .HHYP…",
  packing: "Empaquetage…",
  cancel: "Annuler",
  packCancelled: "Génération annulée : aucun fichier n'a été créé.",
  packDone: (path: string, size: string, annexes: number) =>
    `Prêt et vérifié : ${path} (${size} : la base et ${annexes} annexe${annexes > 1 ? "s" : ""}). Chargez-le dans Mes plannings.`,
  packFailed: "La génération a échoué :",
  dismiss: "Fermer",
};

type PrepareMessages = typeof fr;

const en: PrepareMessages = {
  title: "Offline preparation",
  explain:
    "Prepare a base with no controller and no network: its time grid, timetable, annexes and users; then generate the .HHYP file to load in My plannings.",
  newBase: "New base…",
  openBase: "Open a prepared base…",
  newTitle: "New prepared base: the time grid",
  newExplain: "Validate, then choose the folder to keep the base in: a sub-folder with its name is made there.",
  folderClosed: "No folder chosen: nothing was created.",
  backToLogin: "Back to sign in",
  close: "Close the base",
  folder: "Folder",
  tabs: ["Summary", "Grid", "Timetable", "Annexes", "Users", "Generate"],
  weeks: "Weeks",
  teachers: "Teachers",
  rooms: "Rooms",
  groups: "Groups",
  subjects: "Subjects",
  courses: "Courses",
  placements: "Lessons",
  annexes: "Annexes",
  users: "Users",
  size: "Size",
  problems: "Problems",
  noProblem: "None. Every placed course fits the grid.",
  unplacedCount: (n: number) => `${n} lesson${n > 1 ? "s" : ""} kept aside by a grid change (not deleted):`,
  colDate: "Date",
  colStart: "Start",
  colLength: "Length",
  colCourse: "Course",
  colReason: "Why",
  minutes: (n: number) => `${n} min`,
  gridNow: "Current grid",
  gridDates: (from: string, to: string, weeks: number) => `From ${from} to ${to} (${weeks} weeks)`,
  gridDay: (n: number, minutes: number, start: string, steps: number) =>
    `${n} sequences of ${minutes} min from ${start}, ${steps} step${steps > 1 ? "s" : ""} per sequence`,
  changeGrid: "Change the grid…",
  createBase: "Validate, then choose the folder…",
  applyGrid: "Change the grid",
  changeTitle: "Change the prepared base's grid",
  changeExplain:
    "Courses are placed again on the same date and time. Those that no longer fit the new grid are kept aside and listed, never deleted; a grid with room for them places them again.",
  confirmGrid: (n: number) =>
    `${n} lesson${n > 1 ? "s" : ""} will no longer fit this grid: kept aside (not deleted). Change the grid?`,
  gridChanged: (placed: number, again: number, aside: number) =>
    `Grid changed: ${placed} lesson${placed === 1 ? "" : "s"} in the new grid (${again} placed again), ${aside} kept aside.`,
  timetableExplain:
    "One CSV file per template, saved from a spreadsheet. The files chosen are read together: nothing is imported while a row is wrong. The courses file replaces every course.",
  fileLabels: { teachers: "Teachers", rooms: "Rooms", groups: "Groups", subjects: "Subjects", courses: "Courses and slots" } as Record<TimetableFile, string>,
  template: "Template",
  choose: "Choose…",
  change: "Change…",
  remove: "Remove",
  noFile: "no file",
  checking: "Checking…",
  importing: "Importing…",
  importRun: "Import",
  templateSaved: (path: string) => `Template saved: ${path}`,
  timetableReady: (courses: number, placements: number, replaced: number, aside: number) =>
    `The files are valid (${courses} course${courses === 1 ? "" : "s"}, ${placements} lesson${placements === 1 ? "" : "s"}). Nothing imported yet.` +
    (replaced > 0 ? ` Importing replaces the base's ${replaced} current courses` : "") +
    (replaced > 0 && aside > 0 ? `, with the ${aside} lessons kept aside.` : replaced > 0 ? "." : ""),
  timetableDone: (t: number, r: number, g: number, s: number, c: number, p: number) =>
    `Imported: ${t} teachers, ${r} rooms, ${g} groups, ${s} subjects, ${c} courses (${p} lessons).`,
  problemsFound: (n: number, files: boolean) =>
    `${n} problem${n > 1 ? "s" : ""}: nothing was imported. ${files ? "Correct the files and choose them again." : "Correct the file and choose it again."}`,
  moreProblems: (n: number) => `… and ${n} more problems.`,
  colFile: "File",
  colLine: "Line",
  colColumn: "Column",
  colValue: "Value",
  colError: "Error",
  wholeFile: "(file)",
  annexesExplain: "Teachers' photos, attached documents: copied into the prepared base, then put in the .HHYP file.",
  addFiles: "Add files…",
  copying: "Copying the files…",
  dropHere: "Or drop files or folders here.",
  noAnnex: "No annex.",
  added: (n: number) => `${n} annex${n > 1 ? "es" : ""} added.`,
  removed: (name: string) => `${name} is removed.`,
  colName: "Name",
  colSize: "Size",
  usersExplain:
    "This base's users, read from the users import template, with their profile (Administration, Modification or Consultation). They are exported as a .profils file to load on the controller, which gives them a password.",
  usersTemplate: "Template",
  usersChoose: "Import a CSV file…",
  usersReady: (n: number) => `${n} valid user${n > 1 ? "s" : ""}. Nothing imported yet.`,
  usersAdded: (n: number) => `${n} user${n > 1 ? "s" : ""} added.`,
  noUser: "No user.",
  colLogin: "Login",
  colUser: "Name",
  colStatus: "Status",
  colProfile: "Profile",
  statuses: { user: "User", superadministrator: "Superadministrator", base_administrator: "Base administrator" } as Record<string, string>,
  planningName: "Planning's name on the controller",
  planningHint: "The planning the base will be loaded on, as it is named on the controller (planning01…).",
  planningRequired: "Give the planning's name: the controller finds the planning by its name.",
  exportProfils: "Export as .profils…",
  exported: (n: number, path: string) => `${n} users exported: ${path}`,
  hhypExplain:
    "A .HHYP file belongs to one hosting number. It is checked as the controller will check it before it is reported ready; if generating is interrupted, no incomplete file is left.",
  hostingNumber: "Hosting number",
  hostingHint: "12 digits, on your order form.",
  hostingWrong: (n: number) => `A hosting number has 12 digits (${n} typed).`,
  generate: "Generate the .HHYP file…",
  packing: "Packing…",
  cancel: "Cancel",
  packCancelled: "Generation cancelled: no file was created.",
  packDone: (path: string, size: string, annexes: number) =>
    `Ready and checked: ${path} (${size}: the base and ${annexes} annex${annexes === 1 ? "" : "es"}). Load it in My plannings.`,
  packFailed: "Generation failed:",
  dismiss: "Close",
};

export function tx(): PrepareMessages {
  return ui.language === "fr" ? fr : en;
}
