// Months as integers (year * 12 + month - 1): the time window's unit, and its text forms.

export const monthIndex = (ym) => { const [y, m] = ym.split('-').map(Number); return y * 12 + (m - 1); };
export const monthText = (i) => `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
export const lastDay = (i) => new Date(Date.UTC(Math.floor(i / 12), (i % 12) + 1, 0)).getUTCDate();
export const monthName = (i) => new Date(Date.UTC(Math.floor(i / 12), i % 12, 1))
  .toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });

const DAY_MS = 86400000;
/** A month window as days since 1970-01-01: first day of the first month to last of the last. */
export function windowDays(window) {
  if (!window) return null;
  const { from, to } = window;
  return {
    from: Date.UTC(Math.floor(from / 12), from % 12, 1) / DAY_MS,
    to: Date.UTC(Math.floor(to / 12), (to % 12) + 1, 0) / DAY_MS,
  };
}
