/**
 * The age identity against `.sops.yaml`: every creation rule must list the
 * stack's recipient, or files encrypted by that rule are unreadable to Flux.
 */
import { readFile } from "node:fs/promises";

import { parse as parseYaml } from "yaml";

import { ageRecipientOf } from "../../components/config/sops";
import { type CheckResult, fail, pass } from "./types";

const name = "sops recipients";

/** The age recipients a creation rule names: `age` (comma-separated string or list) and `key_groups[].age`. */
export function ruleRecipients(rule: unknown): string[] {
  if (typeof rule !== "object" || rule === null) return [];
  const split = (value: unknown): string[] =>
    typeof value === "string" ? value.split(/[,\s]+/).filter((s) => s !== "") : Array.isArray(value) ? value.flatMap(split) : [];
  const { age, key_groups: groups } = rule as { age?: unknown; key_groups?: unknown };
  const fromGroups = Array.isArray(groups)
    ? groups.flatMap((g: unknown) => (typeof g === "object" && g !== null ? split((g as { age?: unknown }).age) : []))
    : [];
  return [...split(age), ...fromGroups];
}

function describeRule(rule: unknown, index: number): string {
  const regex = typeof rule === "object" && rule !== null ? (rule as { path_regex?: unknown }).path_regex : undefined;
  return `creation_rules[${index}]${typeof regex === "string" ? ` (path_regex ${regex})` : ""}`;
}

/** Checks `sopsConfigPath` against the identity; `source` says where the path came from. */
export async function checkSopsRecipients(identity: string, sopsConfigPath: string, source: string): Promise<CheckResult> {
  let recipient: string;
  try {
    recipient = await ageRecipientOf(identity);
  } catch (error) {
    return fail(
      name,
      `homelab:sopsAgeKey is not a usable age identity (${String(error)})`,
      "generate one with `age-keygen` and set it with `pulumi config set --secret homelab:sopsAgeKey …`",
    );
  }
  let text: string;
  try {
    text = await readFile(sopsConfigPath, "utf8");
  } catch (error) {
    return fail(
      name,
      `cannot read ${sopsConfigPath} (${source}): ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      `create it with a creation rule for age ${recipient}, or pass --sops-config <path to .sops.yaml>`,
    );
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    return fail(name, `${sopsConfigPath} is not YAML: ${(error as Error).message.split("\n")[0]}`, "fix its syntax (see docs/secrets.md)");
  }
  const rules = typeof document === "object" && document !== null ? (document as { creation_rules?: unknown }).creation_rules : undefined;
  if (!Array.isArray(rules) || rules.length === 0) {
    return fail(
      name,
      `${sopsConfigPath} has no creation_rules`,
      `add one: creation_rules: [{ path_regex: '.*\\.sops\\.yaml$', encrypted_regex: '^(data|stringData)$', age: ${recipient} }]`,
    );
  }
  const ruleList: unknown[] = rules;
  const missing = ruleList.map((rule, index) => ({ rule, index })).filter(({ rule }) => !ruleRecipients(rule).includes(recipient));
  if (missing.length > 0) {
    return fail(
      name,
      `${missing.map(({ rule, index }) => describeRule(rule, index)).join(", ")} of ${sopsConfigPath} ${missing.length === 1 ? "does" : "do"} not list this stack's recipient ${recipient}`,
      `add ${recipient} to the age list of ${missing.length === 1 ? "that rule" : "those rules"}, then run \`sops updatekeys <file>\` on the files they cover`,
    );
  }
  return pass(name, `all ${ruleList.length} creation rule${ruleList.length === 1 ? "" : "s"} of ${sopsConfigPath} list ${recipient}`);
}
