/// Answers can arrive out of order (a sort changed, then reversed at once; one planning chosen, then another):
/// each request takes a ticket, and only the latest ticket's answer may be shown.
export function latestOnly(): () => () => boolean {
  let latest = 0;
  return () => {
    const mine = ++latest;
    return () => mine === latest;
  };
}
