import type { TesseraError } from '@tessera/core';

// Locale, time, money and failure wording the elements share.

/** The locale an element uses: its `locale`, the page's `lang`, then the browser's; an invalid tag falls back to the default instead of throwing. */
export function resolveLocale(locale: string | undefined): string | undefined {
  const wanted = locale || document.documentElement.lang || navigator.language;
  try {
    return Intl.getCanonicalLocales(wanted)[0];
  } catch {
    return undefined;
  }
}

export const fullDate = (date: Date | number, locale: string | undefined) =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' }).format(date);

/** The time of day for data fetched today ("14:02"), with the date for anything older. */
export function fetchedTime(fetchedAt: number, locale: string | undefined): string {
  const sameDay = new Date(fetchedAt).toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(locale, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(fetchedAt);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "3 days ago", "yesterday", "now": the largest whole unit that fits. */
export function relativeTime(date: Date, locale: string | undefined): string {
  const elapsed = date.getTime() - Date.now();
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(elapsed) >= size) return format.format(Math.trunc(elapsed / size), unit);
  }
  return format.format(0, 'second');
}

/**
 * What the person looking at the element can do about each failure. `what`
 * names the data ("this churn score"); `offered` names what a backend without
 * it lacks (default `what`), `reader` what failed to understand it (default "element").
 *
 * @example
 * advice(error, 'this customer', { offered: 'customer profiles', reader: 'card' })
 */
export function advice(error: TesseraError, what: string, { offered = what, reader = 'element' }: { offered?: string; reader?: string } = {}): string {
  switch (error.code) {
    case 'network':
      return 'Tessera can’t be reached. Check your connection, then retry.';
    case 'unauthorized':
      return 'Your session has expired or the key was refused. Sign in again, then retry.';
    case 'forbidden':
      return `You don’t have access to ${what}. Ask a workspace admin for access.`;
    case 'not_found':
      return `This Tessera backend doesn’t offer ${offered}. Check the url given to Tessera.configure().`;
    case 'invalid_response':
      return `Tessera answered with data this ${reader} doesn’t understand. Update the Tessera script, or contact support with the code below.`;
    case 'server':
      return `Tessera had a problem loading ${what}. Retry in a moment.`;
    default:
      // invalid_argument and aborted are developer-facing: their message says what to fix.
      return error.message;
  }
}

/** Money in the locale's currency format; without a (known) currency, the amount alone. */
export function formatMoney(amount: number, currency: string | null, locale: string | undefined): string {
  if (currency) {
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
    } catch {
      // An unknown currency code: show the amount without a symbol rather than nothing.
    }
  }
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount);
}

/** What a person has spent: "No purchases yet" for someone who never bought (no amount, no currency), not "0.00". */
export function formatSpent(amount: number, currency: string | null, locale: string | undefined): string {
  return amount === 0 && !currency ? 'No purchases yet' : formatMoney(amount, currency, locale);
}

/** `order_placed` → "Order placed". */
export function humanise(name: string): string {
  const words = name.replace(/[_.\-]+/g, ' ').trim();
  return words.charAt(0).toLocaleUpperCase() + words.slice(1);
}
