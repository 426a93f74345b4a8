/** "1 person", "1,234 people", in the locale. */
export function people(count: number, locale: string | undefined): string {
  const number = new Intl.NumberFormat(locale).format(count);
  return new Intl.PluralRules(locale).select(count) === 'one' ? `${number} person` : `${number} people`;
}
