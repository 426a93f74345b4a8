/**
 * How alike two strings are, the measures record linkage has used for decades:
 * Jaro and Jaro–Winkler for names (short strings whose first letters are the
 * most reliable), and the optimal-string-alignment (restricted Damerau–Levenshtein)
 * distance for addresses, postcodes and dates, where one typo or one swap of two
 * neighbouring characters is the common slip.
 *
 * Definitions follow W. E. Winkler, "String Comparator Metrics and Enhanced Decision
 * Rules in the Fellegi-Sunter Model of Record Linkage" (1990), and the worked examples
 * in the Wikipedia article "Jaro–Winkler distance" (MARTHA/MARHTA, DWAYNE/DUANE,
 * DIXON/DICKSONX), which the tests check.
 */

// Scratch space reused across calls: blocking hands the scorer tens of thousands of pairs,
// and allocating per comparison was most of the time. Single-threaded, so sharing is safe.
let aMatched = new Uint8Array(64);
let bMatched = new Uint8Array(64);
let rows = new Uint16Array(3 * 64);

/** Jaro similarity in [0, 1]: shared characters (within a window) and how many are out of order. */
export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  if (aMatched.length < a.length) aMatched = new Uint8Array(a.length * 2);
  if (bMatched.length < b.length) bMatched = new Uint8Array(b.length * 2);
  aMatched.fill(0, 0, a.length);
  bMatched.fill(0, 0, b.length);
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(b.length - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (bMatched[j] || a[i] !== b[j]) continue;
      aMatched[i] = 1;
      bMatched[j] = 1;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let outOfOrder = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    if (!aMatched[i]) continue;
    while (!bMatched[j]) j++;
    if (a[i] !== b[j]) outOfOrder++;
    j++;
  }
  const transpositions = outOfOrder / 2;
  return (matches / a.length + matches / b.length + (matches - transpositions) / matches) / 3;
}

/**
 * Jaro–Winkler similarity in [0, 1]: Jaro, raised for a common prefix of up to four
 * characters (scaling factor 0.1), because people rarely mistype the start of a name.
 *
 * @example jaroWinkler('martha', 'marhta') // 0.961
 */
export function jaroWinkler(a: string, b: string): number {
  const similarity = jaro(a, b);
  let prefix = 0;
  while (prefix < 4 && prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  return similarity + prefix * 0.1 * (1 - similarity);
}

/**
 * Optimal string alignment distance: the fewest insertions, deletions, substitutions
 * and swaps of adjacent characters that turn `a` into `b` (no substring edited twice).
 *
 * @example editDistance('4818', '4881') // 1: two digits swapped
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const width = b.length + 1;
  if (rows.length < 3 * width) rows = new Uint16Array(6 * width);
  // Three rolling rows (two before, one before, this one): the swap rule looks two rows back.
  let before = 0;
  let previous = width;
  let current = 2 * width;
  for (let j = 0; j <= b.length; j++) rows[previous + j] = j;
  for (let i = 1; i <= a.length; i++) {
    rows[current] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[previous + j]! + 1, rows[current + j - 1]! + 1, rows[previous + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[before + j - 2]! + 1);
      rows[current + j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return rows[previous + b.length]!;
}

/** Edit distance scaled to [0, 1]: 1 for equal strings, 0 when every character had to change. */
export function editSimilarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 1 : 1 - editDistance(a, b) / longest;
}
