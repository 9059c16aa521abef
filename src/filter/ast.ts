/**
 * Match operators, named as go-bexpr's `MatchOperator.String()` prints them (these names appear in error
 * messages such as `Invalid match operator "Matches" for selector "ServicePort"`).
 */
export const MatchOperator = {
  Equal: 'Equal',
  NotEqual: 'Not Equal',
  In: 'In',
  NotIn: 'Not In',
  IsEmpty: 'Is Empty',
  IsNotEmpty: 'Is Not Empty',
  Matches: 'Matches',
  NotMatches: 'Not Matches',
} as const;

/** One of the `MatchOperator` names. */
export type MatchOperator = (typeof MatchOperator)[keyof typeof MatchOperator];

/**
 * A parsed filter expression. `contains` parses to `In` (and `not contains` to `Not In`) with the operands in
 * the same roles as `Value in Selector`, exactly as in go-bexpr.
 */
export type Expression =
  | { readonly kind: 'and' | 'or'; readonly left: Expression; readonly right: Expression }
  | { readonly kind: 'not'; readonly operand: Expression }
  | {
      readonly kind: 'match';
      /** Selector segments: `A.B["c d"]` is `['A', 'B', 'c d']`. */
      readonly selector: readonly string[];
      readonly operator: MatchOperator;
      /** The raw value text (unquoted); absent for `is empty` / `is not empty`. */
      readonly value: string | undefined;
    };
