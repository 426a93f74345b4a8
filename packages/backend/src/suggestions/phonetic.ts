/**
 * American Soundex, as the US National Archives define it ("The Soundex Indexing
 * System", archives.gov): the first letter, then up to three digits for the
 * consonant sounds that follow. Names that sound alike share a code
 * (Robert/Rupert → R163), so a typo after the first letter usually keeps a
 * person in the same block. Used for blocking only, never for scoring.
 */

const CODES: Record<string, string> = {
  b: '1', f: '1', p: '1', v: '1',
  c: '2', g: '2', j: '2', k: '2', q: '2', s: '2', x: '2', z: '2',
  d: '3', t: '3',
  l: '4',
  m: '5', n: '5',
  r: '6',
};

/**
 * @example soundex('tymczak') // 'T522'
 * @returns '' when the name has no letters a–z
 */
export function soundex(name: string): string {
  const letters = name.toLowerCase().replace(/[^a-z]/g, '');
  if (!letters) return '';
  let code = letters[0]!.toUpperCase();
  let last = CODES[letters[0]!] ?? '';
  for (let i = 1; i < letters.length && code.length < 4; i++) {
    const letter = letters[i]!;
    const digit = CODES[letter];
    if (digit) {
      if (digit !== last) code += digit;
      last = digit;
    } else if (letter !== 'h' && letter !== 'w') {
      // A vowel separates two equal codes (Tymczak: z, vowel, k → 2, 2); h and w do not.
      last = '';
    }
  }
  return code.padEnd(4, '0');
}
