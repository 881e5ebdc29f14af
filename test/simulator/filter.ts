/**
 * QRS `filter` expressions:
 *
 *   expr    := and ( 'or' and )*
 *   and     := primary ( 'and' primary )*
 *   primary := '(' expr ')' | property op value
 *   op      := eq | ne | sw | ew | so            (keywords case-insensitive)
 *   value   := 'quoted literal' (\' = quote, \\ = backslash) | bare word (true, 42, Engine, a GUID, null)
 *
 * Properties are dotted paths matched case-insensitively (`serverNodeConfiguration.hostName`);
 * a path through an array matches when any element matches. String comparison ignores case.
 *
 * Errors mimic QRS: `Cannot parse the expression: <expr>` or `Invalid expression` (empty group).
 */

export type FilterOp = 'eq' | 'ne' | 'sw' | 'ew' | 'so';

export type FilterNode =
  | { kind: 'cmp'; path: string[]; op: FilterOp; value: string | null; quoted: boolean }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode };

export class FilterError extends Error {
  /** The plain-text body QRS sends with status 400. */
  readonly body: string;
  constructor(body: string) {
    super(body);
    this.name = 'FilterError';
    this.body = body;
  }
}

type Token =
  | { t: 'lparen'; pos: number }
  | { t: 'rparen'; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'word'; v: string; pos: number };

const OPS: readonly string[] = ['eq', 'ne', 'sw', 'ew', 'so'];

function tokenize(src: string, fail: () => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push(c === '(' ? { t: 'lparen', pos: i } : { t: 'rparen', pos: i });
      i++;
    } else if (c === "'") {
      const start = i;
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) fail(); // unterminated literal
        const d = src[i];
        if (d === '\\') {
          const next = src[i + 1];
          if (next === "'" || next === '\\') {
            v += next;
            i += 2;
          } else {
            v += d;
            i++;
          }
        } else if (d === "'") {
          i++;
          break;
        } else {
          v += d;
          i++;
        }
      }
      // `'a''b'` (OData doubling) is rejected by QRS: a literal may not touch another literal.
      if (src[i] === "'") fail();
      out.push({ t: 'string', v, pos: start });
    } else if (c === '"') {
      fail(); // double-quoted values are rejected by QRS
    } else {
      const start = i;
      while (i < src.length && !/[\s()'"]/.test(src.charAt(i))) i++;
      out.push({ t: 'word', v: src.slice(start, i), pos: start });
    }
  }
  return out;
}

/** Parse a filter expression; throws FilterError with the QRS error body. */
export function parseFilter(expr: string): FilterNode {
  const fail = (): never => {
    throw new FilterError(`Cannot parse the expression: ${expr}`);
  };
  const tokens = tokenize(expr, fail);
  if (tokens.length === 0) fail();
  let p = 0;
  const peek = (): Token | undefined => tokens[p];
  const isKeyword = (tok: Token | undefined, kw: string): boolean =>
    tok !== undefined && tok.t === 'word' && tok.v.toLowerCase() === kw;

  const parsePrimary = (): FilterNode => {
    const tok = peek();
    if (!tok) return fail();
    if (tok.t === 'lparen') {
      p++;
      if (peek()?.t === 'rparen') throw new FilterError('Invalid expression');
      const inner = parseOr();
      if (peek()?.t !== 'rparen') fail();
      p++;
      return inner;
    }
    if (tok.t !== 'word' || isKeyword(tok, 'and') || isKeyword(tok, 'or')) return fail();
    const path = tok.v.split('.');
    if (path.some((seg) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg))) fail();
    p++;
    const opTok = peek();
    if (!opTok || opTok.t !== 'word' || !OPS.includes(opTok.v.toLowerCase())) return fail();
    const op = opTok.v.toLowerCase() as FilterOp;
    p++;
    const valTok = peek();
    if (!valTok || valTok.t === 'lparen' || valTok.t === 'rparen') return fail();
    p++;
    if (valTok.t === 'string') return { kind: 'cmp', path, op, value: valTok.v, quoted: true };
    if (isKeyword(valTok, 'and') || isKeyword(valTok, 'or')) return fail();
    const value = valTok.v.toLowerCase() === 'null' ? null : valTok.v;
    return { kind: 'cmp', path, op, value, quoted: false };
  };

  const parseAnd = (): FilterNode => {
    let left = parsePrimary();
    while (isKeyword(peek(), 'and')) {
      p++;
      left = { kind: 'and', left, right: parsePrimary() };
    }
    return left;
  };

  function parseOr(): FilterNode {
    let left = parseAnd();
    while (isKeyword(peek(), 'or')) {
      p++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  }

  const tree = parseOr();
  if (p !== tokens.length) fail();
  return tree;
}

function getCaseInsensitive(obj: Record<string, unknown>, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** All values reachable by `path` (arrays fan out). */
function resolve(value: unknown, path: string[]): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => resolve(v, path));
  const [head, ...rest] = path;
  if (head === undefined) return [value];
  if (typeof value !== 'object' || value === null) return [];
  return resolve(getCaseInsensitive(value as Record<string, unknown>, head), rest);
}

function compareOne(actual: unknown, op: FilterOp, want: string | null): boolean {
  if (want === null) {
    const isNull = actual === null || actual === undefined;
    return op === 'eq' ? isNull : op === 'ne' ? !isNull : false;
  }
  if (actual === null || actual === undefined || typeof actual === 'object') return false;
  const a = String(actual).toLowerCase();
  const w = want.toLowerCase();
  switch (op) {
    case 'eq':
      return a === w;
    case 'ne':
      return a !== w;
    case 'sw':
      return a.startsWith(w);
    case 'ew':
      return a.endsWith(w);
    case 'so':
      return a.includes(w);
  }
}

/** Evaluate a parsed filter against one entity. */
export function matchesFilter(node: FilterNode, entity: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return matchesFilter(node.left, entity) && matchesFilter(node.right, entity);
    case 'or':
      return matchesFilter(node.left, entity) || matchesFilter(node.right, entity);
    case 'cmp': {
      const found = resolve(entity, node.path);
      const values = found.length > 0 ? found : [undefined];
      if (node.op === 'ne') return !values.some((v) => compareOne(v, 'eq', node.value));
      return values.some((v) => compareOne(v, node.op, node.value));
    }
  }
}

/** Parse and apply in one go; an empty/blank filter keeps everything. */
export function applyFilter<T>(items: T[], expr: string | undefined): T[] {
  if (expr === undefined || expr.trim() === '') return items;
  const tree = parseFilter(expr);
  return items.filter((item) => matchesFilter(tree, item));
}
