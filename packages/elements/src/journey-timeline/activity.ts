import type { JourneyEvent } from '@tessera/core';

/** Events per period, one series per source: what the activity chart draws and its table says. */
export interface Activity {
  unit: 'week' | 'month';
  /** The first instant of each period, oldest first, empty periods included. */
  periods: Date[];
  sources: string[];
  /** Per source, the number of events in each period. */
  counts: Map<string, number[]>;
}

/** Weeks read well for half a year; beyond that a bar per week is too thin to see. */
const WEEKS_BEFORE_MONTHS = 26;
const WEEK = 7 * 86_400_000;

/** Monday 00:00 local time of the week holding `date`. */
function startOfWeek(date: Date): Date {
  const start = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  start.setDate(start.getDate() - ((start.getDay() + 6) % 7));
  return start;
}

const startOfMonth = (date: Date) => new Date(date.getFullYear(), date.getMonth(), 1);

function next(period: Date, unit: Activity['unit']): Date {
  return unit === 'week'
    ? new Date(period.getFullYear(), period.getMonth(), period.getDate() + 7)
    : new Date(period.getFullYear(), period.getMonth() + 1, 1);
}

/**
 * Buckets events into weeks, or months when they span more than half a year,
 * from the oldest period to the newest with the quiet ones in between.
 */
export function activity(events: readonly JourneyEvent[]): Activity {
  const times = events.map((event) => new Date(event.occurred_at));
  const sources = [...new Set(events.map((event) => event.source))];
  if (!times.length) return { unit: 'week', periods: [], sources, counts: new Map() };
  const oldest = new Date(Math.min(...times.map(Number)));
  const newest = new Date(Math.max(...times.map(Number)));
  const unit = newest.getTime() - oldest.getTime() > WEEKS_BEFORE_MONTHS * WEEK ? 'month' : 'week';
  const start = unit === 'week' ? startOfWeek : startOfMonth;

  const periods: Date[] = [];
  for (let period = start(oldest); period <= newest; period = next(period, unit)) periods.push(period);
  const index = new Map(periods.map((period, i) => [period.getTime(), i]));
  const counts = new Map(sources.map((source) => [source, periods.map(() => 0)]));
  events.forEach((event, i) => counts.get(event.source)![index.get(start(times[i]!).getTime())!]!++);
  return { unit, periods, sources, counts };
}

/** A period's label: "Mar 3" for a week (its Monday), "Mar 2025" for a month. */
export function periodLabel(period: Date, unit: Activity['unit'], locale: string | undefined): string {
  return new Intl.DateTimeFormat(locale, unit === 'week' ? { month: 'short', day: 'numeric' } : { month: 'short', year: 'numeric' }).format(period);
}
