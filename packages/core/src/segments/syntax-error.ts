import { TesseraError } from '../errors.ts';

/**
 * A segment's text could not be read. `column` (1-based, counting every
 * character of the text, line breaks included) and `length` say what to
 * underline; `expected` lists what could have come there, for completion.
 *
 * It is a `TesseraError` with code `invalid_argument`, so callers that already
 * branch on `error.code` need nothing new.
 *
 * @example
 * try { parseSegmentOrThrow('amount_spnt > 100') }
 * catch (error) { if (error instanceof SegmentSyntaxError) underline(error.column, error.length) }
 */
export class SegmentSyntaxError extends TesseraError {
  /** 1-based position of the first character to underline. */
  readonly column: number;
  /** How many characters to underline (0 at the end of the text). */
  readonly length: number;
  /** What the language would have accepted at `column`, when that is a short list. */
  readonly expected: string[] | undefined;

  constructor(message: string, column: number, length: number, expected?: string[]) {
    super('invalid_argument', message);
    this.column = column;
    this.length = length;
    this.expected = expected;
  }
}
