/**
 * The wording of shape problems: what zod reports, said in the terms of a YAML stack file
 * (a mapping, a list), with "is required" for a key that is missing, and the key that was
 * meant for a key in the wrong case or of the other 1Password mode.
 */
import { z } from "zod";

import { stackFile } from "./parsed";

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/** A zod type name as a stack file's reader knows it. */
function typeName(expected: string): string {
  switch (expected) {
    case "object":
      return "a mapping of keys (key: value lines)";
    case "array":
      return "a list (- item lines)";
    case "int":
      return "a whole number";
    case "boolean":
      return "true or false";
    default:
      return article(expected);
  }
}

/** What was given instead, in the same terms. */
function received(input: unknown): string {
  if (input === null) return "empty (null)";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "a mapping";
  if (typeof input === "string" || typeof input === "number" || typeof input === "boolean") {
    const shown = JSON.stringify(input);
    return shown.length <= 40 ? shown : article(typeof input);
  }
  return article(typeof input);
}

/** Zod's own messages start so; every message of ours is written for the key it belongs to. */
const isZodDefault = (message: string) => message.startsWith("Invalid input") || message.startsWith("Invalid option");

/** One problem's message; the issue must come from a parse with `reportInput: true`. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    const custom = !isZodDefault(issue.message);
    if (issue.input === undefined) {
      if (!custom) return `is required (${typeName(issue.expected)}); ${stackFile} as shipped shows an example`;
      if (/\brequired\b/.test(issue.message)) return issue.message;
      return issue.message.startsWith("must ") ? `is required; it ${issue.message}` : `is required: ${issue.message}`;
    }
    if (custom) return issue.message;
    if (issue.expected === "boolean") return `must be true or false, not ${received(issue.input)}`;
    return `must be ${typeName(issue.expected)}, not ${received(issue.input)}`;
  }
  if (issue.code === "too_small" && issue.origin === "string") return "must not be empty";
  return issue.message;
}

type Shape = Record<string, z.ZodType>;

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

interface Place {
  /** The keys the object at the path takes. */
  keys: string[];
  /** For a 1Password-like union: the discriminator, the selected value and the other options' keys by value. */
  union?: { discriminator: string; selected: string; others: Map<string, string[]> };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The object schema at `path` in `schema`, for the value `input` (which picks a union's option). */
export function placeAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): Place | undefined {
  let current = unwrap(schema);
  let value = input;
  for (let i = 0; ; i++) {
    let union: Place["union"];
    if (current instanceof z.ZodDiscriminatedUnion) {
      const { discriminator } = current.def as { discriminator: string };
      const options = current.options as z.ZodObject<Shape>[];
      const valueOf = (o: z.ZodObject<Shape>) => String((o.shape[discriminator] as z.ZodLiteral).value);
      const selected = isRecord(value) ? String(value[discriminator]) : "";
      const option = options.find((o) => valueOf(o) === selected);
      if (option === undefined) return undefined;
      union = {
        discriminator,
        selected,
        others: new Map(options.filter((o) => o !== option).map((o) => [valueOf(o), Object.keys(o.shape)])),
      };
      current = option;
    }
    const segment = path[i];
    if (segment === undefined)
      return current instanceof z.ZodObject ? { keys: Object.keys(current.shape), ...(union ? { union } : {}) } : undefined;
    if (current instanceof z.ZodObject && typeof segment === "string") {
      const next = (current.shape as Partial<Shape>)[segment];
      if (next === undefined) return undefined;
      current = unwrap(next);
      value = isRecord(value) ? value[segment] : undefined;
    } else if (current instanceof z.ZodArray && typeof segment === "number") {
      current = unwrap(current.element as z.ZodType);
      value = Array.isArray(value) ? (value as unknown[])[segment] : undefined;
    } else {
      return undefined;
    }
  }
}

/** The key meant by one in the wrong case, if exactly one matches. */
export function sameKeyOtherCase(key: string, keys: readonly string[]): string | undefined {
  const matches = keys.filter((k) => k !== key && k.toLowerCase() === key.toLowerCase());
  return matches.length === 1 ? matches[0] : undefined;
}

/** Hints for a key of the other 1Password mode, by key. */
const otherModeHints: Record<string, string> = {
  vaults: "with sdk, name the one vault the service account reads as onePassword.vault and remove vaults",
  vault: "with connect, list the vaults the Connect token reads as onePassword.vaults and remove vault",
};

/** The message for a key the schema does not take at `place` (`top` is the config key it is under). */
export function unknownKeyMessage(key: string, place: Place | undefined, top: string): string {
  const meant = place === undefined ? undefined : sameKeyOtherCase(key, place.keys);
  if (meant !== undefined) return `is not a setting here; did you mean ${meant}? (keys are case-sensitive)`;
  const union = place?.union;
  if (union !== undefined) {
    for (const [other, keys] of union.others) {
      if (keys.includes(key)) {
        const hint = otherModeHints[key] ?? `remove ${key}`;
        return `is a setting of ${top}.${union.discriminator} "${other}", not "${union.selected}"; ${hint}`;
      }
    }
  }
  return `is not a setting here; remove or rename it (${stackFile} as shipped lists the keys)`;
}
