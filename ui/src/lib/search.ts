import type { Planning } from "../bindings/Planning";

// Searching lists the way a person types: case and accents do not matter, and every word must appear.
export const fold = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/// The words of a query, folded; no words match everything.
export const words = (query: string) => fold(query).split(/\s+/).filter(Boolean);

export const matches = (folded: string, queryWords: string[]) => queryWords.every((w) => folded.includes(w));

/// What a planning is found by: its name, its publication name and its domain, folded once.
export const planningText = (p: Planning) => fold(`${p.name} ${p.publication_name} ${p.coordinates?.domain ?? ""}`);
