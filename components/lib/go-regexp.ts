/**
 * Go regular expressions (RE2 syntax, golang.org/pkg/regexp/syntax) evaluated in JavaScript, for
 * the rules sops matches with Go's `regexp.Match` (`encrypted_regex`, `unencrypted_regex`;
 * getsops/sops sops.go, shouldBeEncrypted, v3.13.2). JavaScript's RegExp differs: it has no
 * `(?i)` or `(?s:…)` flag groups, no `\A`, `\z`, `\Q…\E` or `[[:alpha:]]`, and its `\s`, `.`,
 * `^` and `$` match other characters. So the pattern is rewritten into a JavaScript RegExp (flag
 * `u`, no other flag) with the same matches: case folding by character classes, anchors and `.`
 * spelled out. Only whether the pattern matches is kept (greediness, `U`, and group names do not
 * change that). A pattern Go rejects, or one this translation does not know, gives undefined.
 */

/** `[[:name:]]` classes (regexp/syntax perl_groups.go, posixGroup): ASCII ranges. */
const posixClasses: Record<string, [number, number][]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

/** `\d`, `\s`, `\w` (perl_groups.go, perlGroup): ASCII only, `\s` without `\v`. */
const perlClasses: Record<string, [number, number][]> = {
  d: posixClasses["digit"] ?? [],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20],
  ],
  w: posixClasses["word"] ?? [],
};

const simpleEscapes: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };

const hex = (code: number) => `\\u{${code.toString(16)}}`;

function complement(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

const rangesText = (ranges: [number, number][]) => ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join("");

/** The other-case ranges of an ASCII letter range (enough for the keys sops matches; Go folds Unicode too). */
function foldRange(lo: number, hi: number): [number, number][] {
  const out: [number, number][] = [];
  const overlap = (a: number, b: number, shift: number) => {
    const from = Math.max(lo, a);
    const to = Math.min(hi, b);
    if (from <= to) out.push([from + shift, to + shift]);
  };
  overlap(0x41, 0x5a, 0x20);
  overlap(0x61, 0x7a, -0x20);
  return out;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

class Unsupported extends Error {}

function parseFlags(text: string, flags: Flags): Flags {
  const next = { ...flags };
  let negate = false;
  for (const flag of text) {
    if (flag === "-") {
      if (negate) throw new Unsupported("double negation");
      negate = true;
    } else if (flag === "i" || flag === "m" || flag === "s") next[flag] = !negate;
    else if (flag !== "U") throw new Unsupported(`flag ${flag}`);
  }
  return next;
}

/** Translates; throws Unsupported for what Go rejects or this does not know. */
function translate(pattern: string): string {
  // Code points, as Go reads runes.
  const chars = Array.from(pattern);
  let at = 0;
  let out = "";
  const scopes: Flags[] = [{ i: false, m: false, s: false }];
  const flags = () => scopes[scopes.length - 1] ?? { i: false, m: false, s: false };
  let canRepeat = false;

  const literal = (code: number): string => {
    if (flags().i && foldRange(code, code).length > 0) return `[${hex(code)}${rangesText(foldRange(code, code))}]`;
    return hex(code);
  };

  /** A `\` escape standing for one character, or undefined when it is not one. */
  const escapedChar = (): number | undefined => {
    const c = chars[at];
    if (c === undefined) throw new Unsupported("trailing backslash");
    if (c in simpleEscapes) {
      at++;
      return simpleEscapes[c];
    }
    if (c === "x") {
      at++;
      if (chars[at] === "{") {
        const end = chars.indexOf("}", at);
        if (end < 0) throw new Unsupported("bad \\x{");
        const code = parseInt(chars.slice(at + 1, end).join(""), 16);
        at = end + 1;
        if (Number.isNaN(code) || code > 0x10ffff) throw new Unsupported("bad \\x{");
        return code;
      }
      const digits = chars.slice(at, at + 2).join("");
      if (!/^[0-9a-fA-F]{2}$/.test(digits)) throw new Unsupported("bad \\x");
      at += 2;
      return parseInt(digits, 16);
    }
    if (/[0-7]/.test(c)) {
      // A single non-zero digit is a backreference, which RE2 rejects; otherwise up to three octal digits.
      if (c !== "0" && !/[0-7]/.test(chars[at + 1] ?? "")) throw new Unsupported("backreference");
      const digits = /^[0-7]{1,3}/.exec(chars.slice(at, at + 3).join(""))?.[0] ?? "0";
      at += digits.length;
      return parseInt(digits, 8);
    }
    if (/[\p{P}\p{S}]/u.test(c) && c.charCodeAt(0) < 0x80) {
      at++;
      return c.charCodeAt(0);
    }
    return undefined;
  };

  /** `\d`, `\pL`, `\p{Greek}` and their negations as class ranges or a JS property escape. */
  const escapedClass = (): { ranges?: [number, number][]; property?: string } | undefined => {
    const c = chars[at];
    if (c === undefined) return undefined;
    const lower = c.toLowerCase();
    if (lower in perlClasses) {
      at++;
      const ranges = perlClasses[lower] ?? [];
      return { ranges: c === lower ? ranges : complement(ranges) };
    }
    if (c === "p" || c === "P") {
      at++;
      let name: string;
      if (chars[at] === "{") {
        const end = chars.indexOf("}", at);
        if (end < 0) throw new Unsupported("bad \\p{");
        name = chars.slice(at + 1, end).join("");
        at = end + 1;
      } else {
        name = chars[at] ?? "";
        at++;
      }
      let negated = c === "P";
      if (name.startsWith("^")) {
        negated = !negated;
        name = name.slice(1);
      }
      if (!/^[A-Za-z_]+$/.test(name)) throw new Unsupported("bad \\p name");
      const property = name === "Any" || name.length <= 2 ? name : `Script=${name}`;
      return { property: `\\${negated ? "P" : "p"}{${property}}` };
    }
    return undefined;
  };

  const classBody = (): string => {
    // At the character after `[`.
    let negated = false;
    if (chars[at] === "^") {
      negated = true;
      at++;
    }
    const ranges: [number, number][] = [];
    const properties: string[] = [];
    let first = true;
    for (;;) {
      const c = chars[at];
      if (c === undefined) throw new Unsupported("missing ]");
      if (c === "]" && !first) {
        at++;
        break;
      }
      first = false;
      if (c === "[" && chars[at + 1] === ":") {
        const end = chars.indexOf("]", at + 2);
        const name = chars.slice(at + 2, end - 1).join("");
        if (end < 0 || chars[end - 1] !== ":") throw new Unsupported("bad [:class:]");
        const negatedPosix = name.startsWith("^");
        const known = posixClasses[negatedPosix ? name.slice(1) : name];
        if (known === undefined) throw new Unsupported(`[:${name}:]`);
        ranges.push(...(negatedPosix ? complement(known) : known));
        at = end + 1;
        continue;
      }
      let lo: number;
      if (c === "\\") {
        at++;
        const cls = escapedClass();
        if (cls !== undefined) {
          if (cls.ranges) ranges.push(...cls.ranges);
          if (cls.property) properties.push(cls.property);
          continue;
        }
        const code = escapedChar();
        if (code === undefined) throw new Unsupported(`escape \\${chars[at] ?? ""}`);
        lo = code;
      } else {
        lo = c.codePointAt(0) ?? 0;
        at++;
      }
      let hi = lo;
      if (chars[at] === "-" && chars[at + 1] !== "]" && chars[at + 1] !== undefined) {
        at++;
        const d = chars[at] ?? "";
        if (d === "\\") {
          at++;
          const code = escapedChar();
          if (code === undefined) throw new Unsupported("bad range end");
          hi = code;
        } else {
          hi = d.codePointAt(0) ?? 0;
          at++;
        }
        if (hi < lo) throw new Unsupported("bad range");
      }
      ranges.push([lo, hi]);
    }
    const folded = flags().i ? ranges.flatMap(([lo, hi]) => foldRange(lo, hi)) : [];
    const all = [...ranges, ...folded];
    // Go folds the class first, then negates it.
    if (negated) {
      if (properties.length > 0) throw new Unsupported("negated class with \\p");
      return `[${rangesText(complement(all))}]`;
    }
    return `[${rangesText(all)}${properties.join("")}]`;
  };

  while (at < chars.length) {
    const c = chars[at] ?? "";
    if (c === "(") {
      at++;
      if (chars[at] === "?") {
        at++;
        const rest = chars.slice(at).join("");
        const named = /^(P?<)([A-Za-z0-9_]+)>/.exec(rest);
        if (named) {
          at += named[0].length;
          scopes.push({ ...flags() });
          out += "(?:";
          canRepeat = false;
          continue;
        }
        const flagged = /^([imsU-]*)([:)])/.exec(rest);
        if (!flagged) throw new Unsupported("(? group");
        at += flagged[0].length;
        const next = parseFlags(flagged[1] ?? "", flags());
        if (flagged[2] === ")") {
          if (flagged[1] === "") throw new Unsupported("empty flags");
          scopes[scopes.length - 1] = next;
          continue;
        }
        scopes.push(next);
        out += "(?:";
        canRepeat = false;
        continue;
      }
      scopes.push({ ...flags() });
      out += "(?:";
      canRepeat = false;
      continue;
    }
    if (c === ")") {
      if (scopes.length <= 1) throw new Unsupported("unbalanced )");
      scopes.pop();
      at++;
      out += ")";
      canRepeat = true;
      continue;
    }
    if (c === "*" || c === "+" || c === "?" || c === "{") {
      const repeat = c === "{" ? /^\{(\d+)(,(\d*))?\}/.exec(chars.slice(at).join("")) : null;
      if (c === "{" && repeat === null) {
        // Not a repetition: a literal brace, as in Go.
        at++;
        out += literal(0x7b);
        canRepeat = true;
        continue;
      }
      if (!canRepeat) throw new Unsupported("missing argument to repetition operator");
      const text = repeat ? repeat[0] : c;
      if (repeat && (Number(repeat[1]) > 1000 || Number(repeat[3] ?? 0) > 1000)) throw new Unsupported("repeat count");
      at += text.length;
      if (chars[at] === "?") {
        at++;
      }
      out += text;
      // Go rejects a repetition of a repetition (`a**`, `a++`).
      canRepeat = false;
      continue;
    }
    canRepeat = true;
    if (c === "|") {
      at++;
      out += "|";
      canRepeat = false;
      continue;
    }
    if (c === "^") {
      at++;
      out += flags().m ? "(?<![^\\n])" : "(?<![\\s\\S])";
      canRepeat = false;
      continue;
    }
    if (c === "$") {
      at++;
      out += flags().m ? "(?![^\\n])" : "(?![\\s\\S])";
      canRepeat = false;
      continue;
    }
    if (c === ".") {
      at++;
      out += flags().s ? "[\\s\\S]" : "[^\\n]";
      continue;
    }
    if (c === "[") {
      at++;
      out += classBody();
      continue;
    }
    if (c === "\\") {
      at++;
      const e = chars[at];
      if (e === "A" || e === "z") {
        at++;
        out += e === "A" ? "(?<![\\s\\S])" : "(?![\\s\\S])";
        canRepeat = false;
        continue;
      }
      if (e === "b" || e === "B") {
        at++;
        // ASCII word boundary, as Go's \b.
        out +=
          e === "b"
            ? "(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))"
            : "(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))";
        canRepeat = false;
        continue;
      }
      if (e === "Q") {
        at++;
        const end = chars.findIndex((q, index) => index >= at && q === "\\" && chars[index + 1] === "E");
        const quoted = chars.slice(at, end < 0 ? chars.length : end);
        out += quoted.length > 0 ? `(?:${quoted.map((q) => literal(q.codePointAt(0) ?? 0)).join("")})` : "";
        at = end < 0 ? chars.length : end + 2;
        continue;
      }
      const cls = escapedClass();
      if (cls !== undefined) {
        out += cls.property ?? `[${rangesText(cls.ranges ?? [])}]`;
        continue;
      }
      const code = escapedChar();
      if (code === undefined) throw new Unsupported(`escape \\${e ?? ""}`);
      out += literal(code);
      continue;
    }
    at++;
    out += literal(c.codePointAt(0) ?? 0);
  }
  if (scopes.length !== 1) throw new Unsupported("missing )");
  return out;
}

/** The JavaScript RegExp matching what Go's regexp.Match(pattern) matches, or undefined (see above). */
export function goRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(translate(pattern), "u");
  } catch {
    return undefined;
  }
}
