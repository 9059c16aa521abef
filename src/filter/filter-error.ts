/** The prefix Consul's `bexpr.CreateFilter` puts on every error it returns. */
export const FILTER_ERROR_PREFIX = 'Failed to create boolean expression evaluator: ';

/**
 * A `?filter=` expression that does not parse or does not fit the data's schema. `message` is exactly the
 * text Consul answers with (e.g. `Failed to create boolean expression evaluator: Selector "Foo" is not
 * valid`); `detail` is go-bexpr's own message, without Consul's prefix. Edges map it to HTTP 400.
 */
export class FilterError extends Error {
  /** go-bexpr's message without the `Failed to create boolean expression evaluator: ` prefix. */
  readonly detail: string;

  constructor(detail: string) {
    super(FILTER_ERROR_PREFIX + detail);
    this.name = 'FilterError';
    this.detail = detail;
  }
}
