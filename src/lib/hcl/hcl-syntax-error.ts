/** Where a problem sits in the source: 1-based line and column (columns count Unicode code points). */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Name used in messages when the caller gives no file name. */
export const DEFAULT_HCL_FILENAME = '<input>';

/**
 * The only error the HCL/JSON parsers throw for bad input.
 *
 * `message` reads `<file>:<line>:<col>: <problem>`, the layout compilers and editors link to; `problem` holds the bare
 * description (e.g. `unterminated string`) for callers that print their own location.
 */
export class HclSyntaxError extends Error {
  override readonly name = 'HclSyntaxError';
  /** 1-based line of the offending character or token. */
  readonly line: number;
  /** 1-based column (in code points) of the offending character or token. */
  readonly column: number;
  /** File name as given by the caller, or {@link DEFAULT_HCL_FILENAME}. */
  readonly filename: string;
  /** The problem without the location prefix. */
  readonly problem: string;

  constructor(problem: string, position: SourcePosition, filename: string = DEFAULT_HCL_FILENAME) {
    super(`${filename}:${position.line}:${position.column}: ${problem}`);
    this.line = position.line;
    this.column = position.column;
    this.filename = filename;
    this.problem = problem;
  }
}

/**
 * Maps string offsets to line/column, and builds {@link HclSyntaxError}s at an offset.
 *
 * NOTE: offsets index the text as the lexer sees it (after CRLF → LF normalisation); normalisation only removes `\r`
 * before `\n`, so lines and the columns of every visible character are unchanged.
 */
export class SourceText {
  readonly text: string;
  readonly filename: string;
  readonly #lineStarts: number[] = [0];

  constructor(text: string, filename: string) {
    this.text = text;
    this.filename = filename;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.#lineStarts.push(i + 1);
  }

  /** Line and column of `offset` (clamped to the text). */
  position(offset: number): SourcePosition {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#lineStarts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = this.#lineStarts[lo] ?? 0;
    let column = 1;
    for (let i = lineStart; i < at; i++) {
      const c = this.text.charCodeAt(i);
      // A surrogate pair is one code point: count only its high half.
      if (c < 0xdc00 || c > 0xdfff) column++;
    }
    return { line: lo + 1, column };
  }

  /** An {@link HclSyntaxError} for `problem` at `offset`. */
  error(offset: number, problem: string): HclSyntaxError {
    return new HclSyntaxError(problem, this.position(offset), this.filename);
  }
}
