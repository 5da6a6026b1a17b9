/**
 * The commands README.md and docs/ give for secrets keep them out of shell history and `ps`,
 * and write credential files 0600 from the start (issue #25):
 *
 * - `pulumi config set --secret <key>` never gets the value as an argument: it prompts without
 *   echo, or reads standard input when that is not a terminal (pulumi/pulumi
 *   pkg/cmd/pulumi/config/config.go, configSetCmd.Run, v3.248.0).
 * - A command that writes a secret to a file (a `--show-secrets` stack output or export, an
 *   `age -d`/`sops -d` decryption) runs under `umask 077`, so the file is never readable by
 *   others, not even between its creation and a later chmod.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

import { describe, expect, it } from "vitest";

const root = join(__dirname, "..");

/** Every Markdown file a person follows: README.md, docs/, the GitOps template's READMEs. */
function documents(): string[] {
  const markdown = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "node_modules" ? [] : markdown(path);
      return entry.name.endsWith(".md") ? [path] : [];
    });
  return [join(root, "README.md"), ...markdown(join(root, "docs")), ...markdown(join(root, "gitops"))];
}

/** Lines of every document, with where they are. */
const lines = documents().flatMap((path) =>
  readFileSync(path, "utf8")
    .split("\n")
    .map((text, i) => ({ where: `${relative(root, path)}:${i + 1}`, text })),
);

/** A `pulumi config set --secret <key>` followed by a value argument (not a redirect, pipe, comment or end). */
const secretOnCommandLine = /pulumi config set --secret\s+(--\S+\s+)*[\w:.[\]"-]+\s+(?![<|#)`;&]|$)\S/;

/** A command writing a secret into a file: a stack output or export with --show-secrets, a decryption. */
const writesSecretFile = /(--show-secrets[^|`]*(?:\s>|--file\b))|(\b(?:age|sops) (?:-d|--decrypt)\b[^|`]*(?:\s>\s?\S|\s-o\s))/;

describe("the documented commands for secrets", () => {
  it("finds the documents and the commands it checks", () => {
    expect(lines.some((l) => l.text.includes("pulumi config set --secret"))).toBe(true);
    expect(lines.some((l) => l.text.includes("--show-secrets"))).toBe(true);
  });

  it("never put a secret's value on the command line of `pulumi config set --secret`", () => {
    const offenders = lines.filter((l) => secretOnCommandLine.test(l.text)).map((l) => `${l.where}: ${l.text.trim()}`);
    expect(offenders).toEqual([]);
  });

  it("write files holding secrets under umask 077 (0600 from the start, never chmod-ed afterwards)", () => {
    const offenders = lines
      .filter((l) => writesSecretFile.test(l.text) && !l.text.includes("umask 077"))
      .map((l) => `${l.where}: ${l.text.trim()}`);
    expect(offenders).toEqual([]);
  });

  it("the two rules catch the forms the issue found", () => {
    for (const bad of [
      "pulumi config set --secret homelab:proxmoxApiToken 'pulumi@pve!homelab=<uuid>'",
      'pulumi config set --secret homelab:sopsAgeKey "$(grep AGE-SECRET-KEY age.key)"',
      "| how | `pulumi config set --secret homelab:onePasswordConnectToken '<token>'` |",
    ]) {
      expect(secretOnCommandLine.test(bad), bad).toBe(true);
    }
    for (const good of [
      "pulumi config set --secret homelab:proxmoxApiToken",
      "pulumi config set --secret homelab:sopsAgeKey < <(grep AGE-SECRET-KEY age.key)",
      "base64 -w0 1password-credentials.json | pulumi config set --secret homelab:onePasswordCredentials",
      "pulumi config set --secret homelab:fluxSshKey < deploy-key",
      "`pulumi config set --secret homelab:onePasswordConnectToken` (it prompts)",
    ]) {
      expect(secretOnCommandLine.test(good), good).toBe(false);
    }
    expect(writesSecretFile.test("pulumi stack output kubeconfig --show-secrets > kubeconfig && chmod 600 kubeconfig")).toBe(true);
    expect(writesSecretFile.test("age -d -i recovery.key -o db.snapshot x.age")).toBe(true);
    expect(writesSecretFile.test("age -d -i recovery.key backup.age | head -3")).toBe(false);
  });
});
