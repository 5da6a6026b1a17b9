/**
 * The age identity against the GitOps checkout: every `.sops.yaml` creation rule must list the
 * stack's recipient, or files encrypted by that rule are unreadable to Flux; and every encrypted
 * file must open with it and hold no plaintext secret. Both read SOPS metadata through the one
 * implementation the program's preflight uses (components/config/sops.ts, components/lib/sops.ts).
 */
import { readFile } from "node:fs/promises";

import { parse as parseYaml } from "yaml";

import { ageRecipientOf, ruleRecipients, undecryptableSopsFiles } from "../../components/config/sops";
import { sopsGuard } from "../../components/lib/sops";
import { type CheckResult, fail, pass } from "./types";

const name = "sops recipients";

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

/** The program's preflight over the checkout, as a doctor line: the same messages `pulumi up` would stop with. */
export async function checkSopsFiles(identity: string, checkout: string): Promise<CheckResult> {
  const files = "sops files";
  let problems: string[];
  try {
    problems = await undecryptableSopsFiles(checkout, identity);
  } catch (error) {
    return fail(
      files,
      `cannot read ${checkout}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      "point homelab:flux.localCheckout at a clone of the GitOps repository",
    );
  }
  if (problems.length > 0) {
    return fail(files, problems.join("; "), "fix each file as its message says; `pulumi up` stops on the same problems");
  }
  return pass(
    files,
    `every encrypted file in ${checkout} opens with ${await ageRecipientOf(identity)}, and no Secret value is in plaintext`,
  );
}

/** Without the age key: the guard's checks, which need none (no plaintext Secret, every *.sops.* file encrypted). */
export async function checkSopsPlaintext(checkout: string): Promise<CheckResult> {
  const files = "sops plaintext";
  let problems: string[];
  try {
    problems = await sopsGuard(checkout);
  } catch (error) {
    return fail(
      files,
      `cannot read ${checkout}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      "point homelab:flux.localCheckout at a clone of the GitOps repository",
    );
  }
  if (problems.length > 0)
    return fail(files, problems.join("; "), "fix each file as its message says; `pulumi up` stops on the same problems");
  return pass(files, `no plaintext secret in ${checkout} (checked without the key; whether each file decrypts did not run)`);
}
