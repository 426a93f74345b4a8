/**
 * "Did you mean …?" for a misspelt name: the candidates closest to what was
 * typed, by edit distance (an inserted, deleted or changed letter, or two
 * neighbouring letters swapped, each cost one). A close misspelling wins; when
 * nothing is close, names that start with what was typed (`first` →
 * `first_order_date`, …), since people often stop half-way through a long name.
 *
 * @example suggest('amount_spnt', ['amount_spent', 'country']) // ['amount_spent']
 */
export function suggest(typed: string, candidates: readonly string[], most = 3): string[] {
  const word = typed.toLowerCase();
  // A third of the word may be wrong, so short names only tolerate one slip.
  const tolerance = Math.max(1, Math.floor(word.length / 3));
  let best = tolerance + 1;
  let closest: string[] = [];
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) >= best) continue;
    const distance = editDistance(word, candidate);
    if (distance < best) [best, closest] = [distance, [candidate]];
    else if (distance === best) closest.push(candidate);
  }
  if (closest.length === 0 && word.length >= 3) closest = candidates.filter((candidate) => candidate.startsWith(word));
  return closest.slice(0, most);
}

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions. */
function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, before[j - 2]! + 1);
      current.push(distance);
    }
    [before, previous] = [previous, current];
  }
  return previous[b.length]!;
}
