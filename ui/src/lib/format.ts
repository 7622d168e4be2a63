/** Splits a safety number into groups of five digits. */
export function digitGroups(digits: string): string[] {
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 5) groups.push(digits.slice(i, i + 5));
  return groups;
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A short time: the hour today, the day and hour otherwise. */
export function shortTime(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toDateString() === now.toDateString() ? timeOfDay.format(date) : dayAndTime.format(date);
}

/** A full date and time, for tooltips and details. */
export function longTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : fullDate.format(date);
}

/** The client counts unread messages up to this many (UNREAD_COUNT_LIMIT). */
export const UNREAD_COUNT_LIMIT = 1000;

/** An unread count as a badge shows it: "999+" once counting stopped. */
export function unreadBadge(count: number): string {
  return count >= UNREAD_COUNT_LIMIT ? `${UNREAD_COUNT_LIMIT - 1}+` : String(count);
}

/** Initials for a name, shown where there is no picture. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0] ?? '');
  return letters.join('').toUpperCase() || '?';
}

const SAFE_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

/** An avatar is shown only when it is an embedded image: never a remote address. */
export function safeAvatar(src: string | null | undefined): string | null {
  return src && SAFE_IMAGE.test(src) ? src : null;
}
