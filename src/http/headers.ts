/**
 * Header lists in Drakma's shape: an ordered array of `[lowercaseName, value]` pairs, one per
 * field line as received, repeats kept. Values are latin1 strings (one char per byte), so
 * obs-text survives and can be re-read as bytes with `Buffer.from(value, 'latin1')`.
 */

export type Header = [name: string, value: string];
export type HeaderList = Header[];

/**
 * Every value of the field `name` (case-insensitive), in order. This is the way to read
 * `set-cookie`, whose values may contain commas and so must never be joined (RFC 9110 §5.3).
 */
export function headerValues(name: string, headers: HeaderList): string[] {
  const key = name.toLowerCase();
  const out: string[] = [];
  for (const [n, v] of headers) if (n === key) out.push(v);
  return out;
}

/**
 * One value for the field `name` (case-insensitive), or `undefined` when absent (Drakma's NIL).
 * Repeated fields are joined with `", "`, as RFC 9110 §5.3 allows for list fields; `set-cookie`
 * values are joined with `"\n"` instead, so that each cookie stays recoverable by splitting on
 * newlines (a field value can never contain one). Use `headerValues` to get them as an array.
 */
export function headerValue(name: string, headers: HeaderList): string | undefined {
  const key = name.toLowerCase();
  let found: string | undefined;
  for (const [n, v] of headers) {
    if (n !== key) continue;
    if (found === undefined) found = v;
    else found += (key === 'set-cookie' ? '\n' : ', ') + v;
  }
  return found;
}
