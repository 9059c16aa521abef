import type { SourceText } from './hcl-syntax-error.js';
import { describeToken, Lexer, type Token } from './lexer.js';

/** A literal: string, heredoc, number or boolean. */
export interface LiteralNode {
  readonly kind: 'literal';
  readonly offset: number;
  readonly value: string | number | boolean;
}

/** `{ ... }`: the items of a block body or an object value. */
export interface ObjectNode {
  readonly kind: 'object';
  readonly offset: number;
  readonly items: readonly ItemNode[];
}

/** `[ ... ]`. */
export interface ListNode {
  readonly kind: 'list';
  readonly offset: number;
  readonly elements: readonly ValueNode[];
}

export type ValueNode = LiteralNode | ObjectNode | ListNode;

/** `key = value`, `key { }` or `key "label" ... { }`: `keys` holds the key then the labels. */
export interface ItemNode {
  readonly keys: readonly string[];
  readonly offset: number;
  readonly value: ValueNode;
}

/**
 * Deepest nesting of objects and lists accepted. Deeper input is rejected with a syntax error rather than allowed to
 * overflow the stack (real configs nest fewer than 10 levels).
 */
export const MAX_HCL_NESTING_DEPTH = 256;

/**
 * Recursive-descent parser for HCL1, after `hashicorp/hcl` v1.0.0 `hcl/parser`:
 * - file = item* ; object = '{' item* '}' ; an item may be followed by one optional ',' (as in v1.0.0);
 * - item = key+ ( '=' value | object ), key = IDENT | STRING; labels (more than one key) require a `{`;
 * - value = literal | object | list ; list = '[' ( value ( ',' value )* ','? )? ']'.
 */
export class Parser {
  readonly #source: SourceText;
  readonly #lexer: Lexer;
  #token: Token;
  #depth = 0;

  constructor(source: SourceText) {
    this.#source = source;
    this.#lexer = new Lexer(source);
    this.#token = this.#lexer.next();
  }

  /** Parses the whole input as the body of the root object. */
  parseFile(): ObjectNode {
    const items = this.#items(undefined);
    return { kind: 'object', offset: 0, items };
  }

  #advance(): Token {
    const current = this.#token;
    this.#token = this.#lexer.next();
    return current;
  }

  #fail(token: Token, problem: string): never {
    throw this.#source.error(token.offset, problem);
  }

  #unexpected(token: Token, expected: string): never {
    this.#fail(token, `unexpected ${describeToken(token)}, expected ${expected}`);
  }

  /** `line:column` of a token, for messages that point back at an opening bracket. */
  #at(token: Token): string {
    const { line, column } = this.#source.position(token.offset);
    return `${line}:${column}`;
  }

  #enter(token: Token): void {
    if (++this.#depth > MAX_HCL_NESTING_DEPTH) {
      this.#fail(token, `nesting deeper than ${MAX_HCL_NESTING_DEPTH} levels`);
    }
  }

  /** Items up to EOF (root, `open` undefined) or up to, not including, the `}` closing the `{` at `open`. */
  #items(open: Token | undefined): ItemNode[] {
    const items: ItemNode[] = [];
    for (;;) {
      const token = this.#token;
      if (token.kind === 'eof') {
        if (open !== undefined)
          this.#fail(token, `unexpected end of file, expected '}' to close the '{' at ${this.#at(open)}`);
        return items;
      }
      if (open !== undefined && token.kind === 'rbrace') return items;
      items.push(this.#item());
      if (this.#token.kind === 'comma') this.#advance();
    }
  }

  #item(): ItemNode {
    const first = this.#token;
    const keys: string[] = [];
    while (this.#token.kind === 'ident' || this.#token.kind === 'string') {
      const key = this.#advance();
      keys.push(key.kind === 'string' ? key.value : key.text);
    }
    if (keys.length === 0) this.#unexpected(first, 'a key (identifier or string)');
    const token = this.#token;
    if (token.kind === 'assign') {
      if (keys.length > 1) {
        this.#fail(token, `labelled block "${keys.join(' ')}" must be followed by '{', not '='`);
      }
      this.#advance();
      return { keys, offset: first.offset, value: this.#value() };
    }
    if (token.kind === 'lbrace') {
      // Each label nests one more object level once decoded, so labels count towards the depth limit.
      const labels = keys.length - 1;
      this.#depth += labels;
      if (this.#depth > MAX_HCL_NESTING_DEPTH)
        this.#fail(first, `nesting deeper than ${MAX_HCL_NESTING_DEPTH} levels`);
      const value = this.#object();
      this.#depth -= labels;
      return { keys, offset: first.offset, value };
    }
    this.#unexpected(token, `'=' or '{' after key ${JSON.stringify(keys.join(' '))}`);
  }

  #value(): ValueNode {
    const token = this.#token;
    switch (token.kind) {
      case 'string':
      case 'heredoc':
      case 'number':
      case 'float':
      case 'bool':
        this.#advance();
        return { kind: 'literal', offset: token.offset, value: token.value };
      case 'lbrace':
        return this.#object();
      case 'lbrack':
        return this.#list();
      case 'ident':
        // HCL1 has no bare-word values; say so, since `enabled = yes` is an easy mistake.
        return this.#fail(
          token,
          `unexpected ${describeToken(token)}: values must be quoted strings, numbers, booleans, lists or objects`,
        );
      case 'rbrace':
      case 'rbrack':
      case 'comma':
      case 'assign':
      case 'eof':
        return this.#unexpected(token, 'a value');
    }
  }

  #object(): ObjectNode {
    const open = this.#advance(); // '{'
    this.#enter(open);
    const items = this.#items(open);
    this.#advance(); // '}' (guaranteed by #items)
    this.#depth--;
    return { kind: 'object', offset: open.offset, items };
  }

  #list(): ListNode {
    const open = this.#advance(); // '['
    this.#enter(open);
    const elements: ValueNode[] = [];
    for (;;) {
      const token = this.#token;
      if (token.kind === 'rbrack') break;
      if (token.kind === 'eof') {
        this.#fail(token, `unexpected end of file, expected ']' to close the '[' at ${this.#at(open)}`);
      }
      elements.push(this.#value());
      const after = this.#token;
      if (after.kind === 'comma') this.#advance();
      else if (after.kind === 'eof') {
        this.#fail(after, `unexpected end of file, expected ']' to close the '[' at ${this.#at(open)}`);
      } else if (after.kind !== 'rbrack') this.#unexpected(after, "',' or ']' in list");
    }
    this.#advance(); // ']'
    this.#depth--;
    return { kind: 'list', offset: open.offset, elements };
  }
}
