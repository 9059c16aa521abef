const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4_RE = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES = '"\\/bfnrt';

/**
 * Offset of the first character at which `text` stops being valid JSON (RFC 8259), or `text.length` when it ends
 * early. Used only to place `JSON.parse` errors, whose messages do not always give a position. Iterative, so deeply
 * nested input cannot overflow the stack.
 */
export function jsonErrorOffset(text: string): number {
  const n = text.length;
  const stack: ('{' | '[')[] = [];
  let i = 0;
  let state: 'value' | 'firstValue' | 'key' | 'firstKey' | 'after' = 'value';
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (state === 'after' && stack.length === 0) return i; // valid up to here: anything left is trailing junk
    if (i >= n) return n;
    const c = text[i];
    switch (state) {
      case 'value':
      case 'firstValue': {
        if (c === ']' && state === 'firstValue') {
          stack.pop();
          i++;
          state = 'after';
        } else if (c === '{' || c === '[') {
          stack.push(c);
          i++;
          state = c === '{' ? 'firstKey' : 'firstValue';
        } else {
          const end = scalarEnd(text, i);
          if (end < 0) return -end - 1;
          i = end;
          state = 'after';
        }
        break;
      }
      case 'key':
      case 'firstKey': {
        if (c === '}' && state === 'firstKey') {
          stack.pop();
          i++;
          state = 'after';
          break;
        }
        if (c !== '"') return i;
        const end = stringEnd(text, i);
        if (end < 0) return -end - 1;
        i = end;
        while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
        if (text[i] !== ':') return i;
        i++;
        state = 'value';
        break;
      }
      case 'after': {
        const top = stack[stack.length - 1];
        if (c === ',') {
          i++;
          state = top === '{' ? 'key' : 'value';
        } else if ((top === '{' && c === '}') || (top === '[' && c === ']')) {
          stack.pop();
          i++;
        } else {
          return i;
        }
        break;
      }
    }
  }
}

/** End offset of the scalar at `i`, or `-(errorOffset + 1)`. */
function scalarEnd(text: string, i: number): number {
  if (text[i] === '"') return stringEnd(text, i);
  for (const word of ['true', 'false', 'null']) if (text.startsWith(word, i)) return i + word.length;
  NUMBER_RE.lastIndex = i;
  const match = NUMBER_RE.exec(text);
  if (match !== null && match[0] !== '' && match[0] !== '-') return i + match[0].length;
  return -(i + 1);
}

/** End offset of the string starting at `i` (a `"`), or `-(errorOffset + 1)`. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return -(j + 1);
    if (c === 0x5c) {
      const e = text[j + 1] ?? '';
      if (e === 'u') {
        if (!HEX4_RE.test(text.slice(j + 2, j + 6))) return -(j + 1);
        j += 5;
      } else if (e !== '' && SIMPLE_ESCAPES.includes(e)) {
        j++;
      } else {
        return -(j + 1);
      }
    }
  }
  return -(text.length + 1);
}
