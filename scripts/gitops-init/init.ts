/**
 * Turning the gitops/ template into the user's repository: copy it into a
 * directory that holds nothing yet (a fresh clone's `.git` is fine), put the
 * cluster's and the recovery key's age recipients into `.sops.yaml`, and say
 * what to fill in and encrypt next.
 */
import { cp, lstat, readdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

import { parse as parseYaml } from "yaml";

import { isX25519Recipient } from "../../components/config/schema";

/** The placeholders gitops/.sops.yaml ships with (deliberately not valid recipients, so sops refuses them). */
export const recipientPlaceholders = { cluster: "AGE_CLUSTER_RECIPIENT", recovery: "AGE_RECOVERY_RECIPIENT" } as const;

export interface InitOptions {
  template: string;
  out: string;
  clusterRecipient: string;
  recoveryRecipient: string;
}

export class InitError extends Error {}

/** Every problem with the two recipients at once; age-encryption parses them as `sops --encrypt` would (X25519 or post-quantum); the recovery one must be X25519 (talos-backup). */
export async function recipientProblems(cluster: string, recovery: string): Promise<string[]> {
  const age = await import("age-encryption");
  const problems: string[] = [];
  for (const [flag, value] of [
    ["--recipient", cluster],
    ["--recovery", recovery],
  ] as const) {
    if (/^AGE-SECRET-KEY-/i.test(value)) {
      problems.push(`${flag}: that is a private age identity; pass its public recipient (age1…, \`age-keygen -y\` prints it)`);
      continue;
    }
    try {
      new age.Encrypter().addRecipient(value);
    } catch {
      problems.push(`${flag}: ${JSON.stringify(value)} is not an age recipient (age1… or age1pq1…)`);
      continue;
    }
    // The recovery recipient also becomes the talos-backup CronJob's AGE_X25519_PUBLIC_KEY, which
    // siderolabs/talos-backup pkg/encryption/encryption.go (v0.1.0-beta.3) parses with
    // age.ParseX25519Recipient (filippo.io/age v1.2.1): a post-quantum age1pq1… fails every snapshot Job.
    if (flag === "--recovery" && !isX25519Recipient(value))
      problems.push(
        `${flag}: ${JSON.stringify(value)} is not an X25519 age recipient (age1…): talos-backup encrypts etcd snapshots to it and accepts X25519 only`,
      );
  }
  if (problems.length === 0 && cluster === recovery)
    problems.push("--recovery: must differ from the cluster recipient (the recovery key is a second, offline key)");
  return problems;
}

/** The template's `.sops.yaml` with the placeholders replaced, comments kept; throws if its shape is not the expected one. */
export function fillSopsConfig(text: string, cluster: string, recovery: string): string {
  const filled = text
    .split("\n")
    .map((line) =>
      line
        .replace(new RegExp(`^(\\s*-\\s*)${recipientPlaceholders.cluster}\\s*$`), `$1${cluster}`)
        .replace(new RegExp(`^(\\s*-\\s*)${recipientPlaceholders.recovery}\\s*$`), `$1${recovery}`),
    )
    .join("\n");
  const config = parseYaml(filled) as { creation_rules?: { key_groups?: { age?: string[] }[] }[] };
  const rules = config.creation_rules ?? [];
  const every =
    rules.length > 0 &&
    rules.every((rule) => JSON.stringify(rule.key_groups?.flatMap((g) => g.age ?? [])) === JSON.stringify([cluster, recovery]));
  if (!every) throw new InitError(".sops.yaml in the template does not list the two recipient placeholders in every creation rule");
  return filled;
}

/** The etcd snapshot CronJob of the template; its snapshots are encrypted to the recovery recipient only. */
export const talosBackupCronJob = "infrastructure/talos-backup/cronjob.yaml";

/**
 * The CronJob with the recovery recipient as AGE_X25519_PUBLIC_KEY (siderolabs/talos-backup
 * pkg/config/service.go, v0.1.0-beta.3: one X25519 recipient); throws if the template's
 * placeholder is not there exactly once, so a changed template never ships the placeholder.
 */
export function fillSnapshotRecipient(text: string, recovery: string): string {
  if (!isX25519Recipient(recovery))
    throw new InitError(
      `--recovery: ${JSON.stringify(recovery)} is not an X25519 age recipient (age1…), the only kind talos-backup accepts`,
    );
  const placeholder = new RegExp(`^(\\s*value:\\s*)${recipientPlaceholders.recovery}\\s*$`, "m");
  const count = text.split("\n").filter((line) => placeholder.test(line)).length;
  if (count !== 1) throw new InitError(`${talosBackupCronJob} in the template does not hold the recovery recipient placeholder once`);
  return text.replace(placeholder, `$1${recovery}`);
}

async function entries(dir: string): Promise<string[] | undefined> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new InitError(`${dir} exists and is not a directory`);
  } catch (error) {
    if (error instanceof InitError) throw error;
    // stat follows links: a link to a missing target reads as absent, and cp then fails on it.
    if ((await lstat(dir).catch(() => undefined))?.isSymbolicLink() === true)
      throw new InitError(`${dir} is a symbolic link to nothing; nothing was written`);
    return undefined;
  }
  return readdir(dir);
}

/** `out` (or where it would be created) resolved through symbolic links, to compare with the template. */
async function realOut(out: string): Promise<string> {
  const parent = dirname(out);
  if (parent === out) return out;
  const real = await realpath(out).catch(() => undefined);
  return real ?? join(await realOut(parent), basename(out));
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(root, path)));
    else if (entry.isFile()) files.push(relative(root, path).split(sep).join("/"));
  }
  return files.sort();
}

export interface InitResult {
  files: string[];
  /** `*.secret.example.yaml`: plaintext templates to copy to `*.sops.yaml`, fill in and encrypt. */
  secretTemplates: string[];
  /** Other files with REPLACE_ME values to set (not secret, e.g. the Ceph fsid). */
  toEdit: string[];
}

export async function initGitopsRepository(options: InitOptions): Promise<InitResult> {
  const problems = await recipientProblems(options.clusterRecipient, options.recoveryRecipient);
  if (problems.length > 0) throw new InitError(problems.join("\n"));
  const template = await realpath(options.template);
  const within = relative(template, await realOut(resolve(options.out)));
  if (within === "" || (!within.startsWith("..") && !isAbsolute(within)))
    throw new InitError(`${options.out} is inside the template ${options.template}; give a directory outside it. Nothing was written`);
  const existing = await entries(options.out);
  const occupied = (existing ?? []).filter((name) => name !== ".git");
  if (occupied.length > 0)
    throw new InitError(
      `${options.out} is not empty (${occupied.slice(0, 3).join(", ")}${occupied.length > 3 ? ", …" : ""}); nothing was written. ` +
        "Give a new directory, or an empty clone of your GitOps repository.",
    );
  const sopsConfig = fillSopsConfig(
    await readFile(join(options.template, ".sops.yaml"), "utf8"),
    options.clusterRecipient,
    options.recoveryRecipient,
  );
  await cp(options.template, options.out, { recursive: true, errorOnExist: true, force: false });
  await writeFile(join(options.out, ".sops.yaml"), sopsConfig);
  const snapshotJob = join(options.out, talosBackupCronJob);
  await writeFile(snapshotJob, fillSnapshotRecipient(await readFile(snapshotJob, "utf8"), options.recoveryRecipient));

  const files = await listFiles(options.out);
  const secretTemplates = files.filter((f) => f.endsWith(".secret.example.yaml"));
  const toEdit: string[] = [];
  for (const file of files.filter((f) => /\.ya?ml$/.test(f) && !secretTemplates.includes(f))) {
    if (/^[^#\n]*REPLACE_ME/m.test(await readFile(join(options.out, file), "utf8"))) toEdit.push(file);
  }
  return { files: files.filter((f) => !f.startsWith(".git/")), secretTemplates, toEdit };
}

/** `path` as one POSIX shell word: unchanged when that is safe, single-quoted otherwise. */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/** What to do next, as the command prints it. */
export function nextSteps(out: string, result: InitResult): string {
  const repo = shellWord(out);
  const lines = [`Wrote the GitOps template to ${out}; .sops.yaml encrypts for the cluster and the recovery recipient.`, ""];
  lines.push(`1. Set the REPLACE_ME values (not secret) in these files of ${out}:`);
  for (const file of result.toEdit) lines.push(`     ${file}`);
  // sops reads the .sops.yaml it finds from the working directory upwards, not from the file's
  // directory (findConfigFile -> config.LookupConfigFile("."), getsops/sops cmd/sops/main.go and
  // config/config.go, v3.13.2): these commands only encrypt for the two recipients when run inside
  // the new repository, hence the cd.
  lines.push(
    "",
    "2. Inside the new repository (sops finds .sops.yaml from the working directory), turn each secret template",
    "   into an encrypted file, then uncomment it in that directory's kustomization.yaml:",
    `     cd ${repo}`,
  );
  for (const template of result.secretTemplates) {
    const target = template.replace(/\.secret\.example\.yaml$/, ".sops.yaml");
    lines.push(`     cp ${template} ${target} && $EDITOR ${target} && sops --encrypt --in-place ${target}`);
  }
  if (result.files.includes(".githooks/pre-commit"))
    lines.push("", `   Turn on the SOPS guard before the first commit: git -C ${repo} config core.hooksPath .githooks`);
  lines.push(
    "",
    `   etcd snapshots: ${talosBackupCronJob} already encrypts to the recovery recipient; it stays suspended until you`,
    "   set its bucket and endpoint, encrypt s3-credentials.sops.yaml as above and set `suspend: false` (its kustomization.yaml).",
    "",
    "3. Create the 1Password items the example apps read (apps/example/*.yaml), or remove `- example` from apps/kustomization.yaml.",
    "",
    `4. Commit and push (cd ${repo} && git add -A && git commit -m "homelab GitOps" && git push),`,
    "   set homelab:flux.url to this repository, and run pulumi up.",
  );
  return lines.join("\n");
}
