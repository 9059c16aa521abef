/**
 * A request's target (`req.url`) as path and query, without building a WHATWG `URL` for the common case.
 *
 * Parsing `req.url` with `new URL(...)` and reading its `searchParams` (a `URLSearchParams` built per request) is a
 * measurable share of answering a cached read (the `health-query` benchmark). Most targets are already in the form
 * the URL parser would produce: an origin-form path of plain characters and an optional query of printable ASCII.
 * For those, the raw text IS the parsed result, so this class splits it at `?` and parses the query only when a
 * handler asks for a parameter (never, when there is no query). Every other target (percent escapes or dot segments
 * in the path, a fragment, characters the parser would escape, absolute-form) goes through `new URL` exactly as
 * before, so `pathname`, `search` and the parameters are always what `new URL(target, 'http://localhost')` gives.
 */
const BASE = 'http://localhost';

export class RequestTarget {
  /** As `URL.pathname`. */
  readonly pathname: string;
  /** As `URL.search`: `''` when there is no query or it is empty, else `?` and the query. */
  readonly search: string;
  readonly #raw: string;
  #params: URLSearchParams | undefined;
  #url: URL | undefined;

  private constructor(raw: string, pathname: string, search: string, url: URL | undefined) {
    this.#raw = raw;
    this.pathname = pathname;
    this.search = search;
    this.#url = url;
    this.#params = url?.searchParams;
  }

  /**
   * Parses `raw` (a request target such as `req.url`) as `new URL(raw, 'http://localhost')` would; throws what it
   * throws.
   */
  static parse(raw: string): RequestTarget {
    const q = raw.indexOf('?');
    const pathEnd = q < 0 ? raw.length : q;
    if (isPlainPath(raw, pathEnd) && (q < 0 || isPlainQuery(raw, q + 1))) {
      const search = q < 0 || q === raw.length - 1 ? '' : raw.slice(q);
      return new RequestTarget(raw, q < 0 ? raw : raw.slice(0, q), search, undefined);
    }
    const url = new URL(raw, BASE);
    return new RequestTarget(raw, url.pathname, url.search, url);
  }

  /** The query parameters, parsed on first use. */
  get searchParams(): URLSearchParams {
    this.#params ??= new URLSearchParams(this.search);
    return this.#params;
  }

  /** The whole URL (base `http://localhost`), built on first use. */
  get url(): URL {
    this.#url ??= new URL(this.#raw, BASE);
    return this.#url;
  }

  /** A parameter's value; `undefined` when absent, `''` when present without a value. */
  get(name: string): string | undefined {
    if (this.search === '') return undefined;
    return this.searchParams.get(name) ?? undefined;
  }

  getAll(name: string): string[] {
    if (this.search === '') return [];
    return this.searchParams.getAll(name);
  }

  has(name: string): boolean {
    if (this.search === '') return false;
    return this.searchParams.has(name);
  }
}

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_A = 0x41;
const CH_Z = 0x5a;
const CH_LOWER_A = 0x61;
const CH_LOWER_Z = 0x7a;
const CH_SLASH = 0x2f;
const CH_DOT = 0x2e;

/**
 * Path characters the URL parser keeps as they are: letters, digits and `-._~!$&'()*+,;=:@/`. Anything else (`%`,
 * `\`, `^`, `|`, non-ASCII, ...) sends the target through `new URL`: escapes may hide dot segments, the parser
 * escapes or rewrites the rest.
 */
const PLAIN_PATH_PUNCT = new Set(Array.from("-._~!$&'()*+,;=:@/", (c) => c.charCodeAt(0)));

function isPlainPath(s: string, end: number): boolean {
  // Origin-form only; `//host/...` would name a host.
  if (end === 0 || s.charCodeAt(0) !== CH_SLASH || (end > 1 && s.charCodeAt(1) === CH_SLASH)) return false;
  for (let i = 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if ((c >= CH_LOWER_A && c <= CH_LOWER_Z) || (c >= CH_A && c <= CH_Z) || (c >= CH_0 && c <= CH_9))
      continue;
    if (!PLAIN_PATH_PUNCT.has(c)) return false;
    // A `.` or `..` segment is removed by the parser.
    if (c === CH_DOT && s.charCodeAt(i - 1) === CH_SLASH && isDotSegment(s, i, end)) return false;
  }
  return true;
}

/** Whether the segment starting at `i` (a `.`) is `.` or `..`. */
function isDotSegment(s: string, i: number, end: number): boolean {
  const next = i + 1 < end ? s.charCodeAt(i + 1) : CH_SLASH;
  if (next === CH_SLASH) return true;
  if (next !== CH_DOT) return false;
  return i + 2 >= end || s.charCodeAt(i + 2) === CH_SLASH;
}

const CH_DQUOTE = 0x22;
const CH_HASH = 0x23;
const CH_QUOTE = 0x27;
const CH_LT = 0x3c;
const CH_GT = 0x3e;

/** Query characters the URL parser keeps as they are (outside its special-query escape set); no fragment. */
function isPlainQuery(s: string, start: number): boolean {
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
    if (c === CH_DQUOTE || c === CH_HASH || c === CH_QUOTE || c === CH_LT || c === CH_GT) return false;
  }
  return true;
}
