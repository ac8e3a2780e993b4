// The grid's dates and times as lists to choose from, written in the console's language. WebKit's own date and
// time inputs follow the system's locale, not the language chosen in the console (an English console on a French
// system showed "jj/mm/aaaa"), and let a Tuesday be typed where a Monday is asked.

const DAY_MS = 86_400_000;

/** "2026-08-31" as a UTC date, and back: dates here carry no time zone. */
const parse = (iso: string) => new Date(`${iso}T00:00:00Z`);
const iso = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (isoDate: string, days: number) => iso(new Date(parse(isoDate).getTime() + days * DAY_MS));

/** "lun. 9 nov. 2026" / "Mon 9 Nov 2026": a date in a table's narrow column. */
export function shortDate(isoDate: string, language: string): string {
  const format = new Intl.DateTimeFormat(language === "fr" ? "fr-FR" : "en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
  return format.format(parse(isoDate));
}

export function dateLabel(isoDate: string, language: string): string {
  const format = new Intl.DateTimeFormat(language === "fr" ? "fr-FR" : "en-GB", {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
  return format.format(parse(isoDate));
}

/** Mondays from half a year ago to two years ahead, and `current` (whatever it is) so the choice never blanks. */
export function mondays(today: Date, current: string): string[] {
  const back = (today.getUTCDay() + 6) % 7; // days since Monday
  const thisMonday = iso(new Date(today.getTime() - back * DAY_MS));
  const list = Array.from({ length: 26 + 104 + 1 }, (_, i) => addDays(thisMonday, (i - 26) * 7));
  return withCurrent(list, current);
}

/** The Sundays that end a grid of 1 to 62 weeks from `firstMonday`, with the count of weeks; and `current`. */
export function sundays(firstMonday: string, current: string): { value: string; weeks: number }[] {
  const list = Array.from({ length: 62 }, (_, i) => ({ value: addDays(firstMonday, i * 7 + 6), weeks: i + 1 }));
  if (current && !list.some((s) => s.value === current)) {
    const weeks = Math.round((parse(current).getTime() - parse(firstMonday).getTime()) / (7 * DAY_MS));
    list.push({ value: current, weeks });
    list.sort((a, b) => a.value.localeCompare(b.value));
  }
  return list;
}

/** Start times every 5 minutes from 06:00 to 14:00, and `current`. */
export function startTimes(current: string): string[] {
  const list = Array.from({ length: 97 }, (_, i) => {
    const minutes = 6 * 60 + i * 5;
    return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
  });
  return withCurrent(list, current);
}

function withCurrent(list: string[], current: string): string[] {
  return current && !list.includes(current) ? [...list, current].sort() : list;
}
