/**
 * `npm run gitops-init`: the template becomes the user's repository with
 * `.sops.yaml` encrypting for the cluster and the recovery recipient (proved
 * with the real age CLI), never over a non-empty directory, and with the
 * next steps printed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { undecryptableSopsFiles } from "../../components/config/sops";
import {
  fillSnapshotRecipient,
  fillSopsConfig,
  InitError,
  initGitopsRepository,
  nextSteps,
  recipientPlaceholders,
  recipientProblems,
  talosBackupCronJob,
} from "../../scripts/gitops-init/init";
import { gitopsRoot, listFiles } from "./manifests";

const root = join(__dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "gitops-init-"));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface Key {
  identity: string;
  recipient: string;
}
let cluster: Key;
let recovery: Key;
beforeAll(async () => {
  const age = await import("age-encryption");
  const key = async (): Promise<Key> => {
    const identity = await age.generateX25519Identity();
    return { identity, recipient: await age.identityToRecipient(identity) };
  };
  cluster = await key();
  recovery = await key();
});

const recipientsIn = (sopsConfig: string) =>
  (parseYaml(sopsConfig) as { creation_rules: { key_groups: { age: string[] }[] }[] }).creation_rules.map((rule) =>
    rule.key_groups.flatMap((g) => g.age),
  );

const init = (out: string) =>
  initGitopsRepository({ template: gitopsRoot, out, clusterRecipient: cluster.recipient, recoveryRecipient: recovery.recipient });

describe("gitops-init", () => {
  it("copies the whole template and fills .sops.yaml with both recipients, comments kept", async () => {
    const out = join(work, "repo");
    const result = await init(out);
    expect(listFiles(out)).toEqual(listFiles(gitopsRoot));
    expect(result.files).toEqual(listFiles(gitopsRoot));
    const sopsConfig = readFileSync(join(out, ".sops.yaml"), "utf8");
    expect(recipientsIn(sopsConfig)).toEqual([[cluster.recipient, recovery.recipient]]);
    expect(sopsConfig).toContain("# SOPS configuration for this repository");
    // Every other file is the template's, byte for byte.
    for (const file of listFiles(gitopsRoot).filter((f) => f !== ".sops.yaml" && f !== talosBackupCronJob))
      expect(readFileSync(join(out, file), "utf8"), file).toBe(readFileSync(join(gitopsRoot, file), "utf8"));
    // A fresh repository passes the program's SOPS preflight with the cluster key, and the template's own guard.
    expect(await undecryptableSopsFiles(out, cluster.identity)).toEqual([]);
    expect(spawnSync("node", [join(out, ".github", "sops-guard.cjs"), out], { encoding: "utf8" }).status).toBe(0);
    // The pre-commit hook stays executable.
    expect(statSync(join(out, ".githooks", "pre-commit")).mode & 0o111).toBe(0o111);
  });

  it("puts the recovery recipient into the etcd snapshot CronJob, which stays suspended until configured", async () => {
    const out = join(work, "repo-snapshots");
    await init(out);
    const job = parseYaml(readFileSync(join(out, talosBackupCronJob), "utf8")) as {
      spec: {
        suspend: boolean;
        jobTemplate: { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
      };
    };
    const env = job.spec.jobTemplate.spec.template.spec.containers[0]?.env ?? [];
    expect(env.find((e) => e.name === "AGE_X25519_PUBLIC_KEY")?.value).toBe(recovery.recipient);
    expect(readFileSync(join(out, talosBackupCronJob), "utf8")).not.toContain(recipientPlaceholders.recovery);
    // The bucket is still to fill in and the S3 credentials to encrypt: no Job may start before that.
    expect(job.spec.suspend).toBe(true);
    const template = parseYaml(readFileSync(join(gitopsRoot, talosBackupCronJob), "utf8")) as typeof job;
    expect(template.spec.suspend).toBe(true);
    const diff = readFileSync(join(out, talosBackupCronJob), "utf8").split("\n");
    const original = readFileSync(join(gitopsRoot, talosBackupCronJob), "utf8").split("\n");
    expect(diff.filter((line, i) => line !== original[i])).toEqual([`                  value: ${recovery.recipient}`]);
  });

  it("refuses a template whose snapshot CronJob lost the recipient placeholder", () => {
    expect(() => fillSnapshotRecipient("spec: {}\n", recovery.recipient)).toThrow(InitError);
  });

  it("writes recipients the real age CLI encrypts to, and either identity decrypts", () => {
    const [recipients] = recipientsIn(readFileSync(join(work, "repo", ".sops.yaml"), "utf8"));
    const ciphertext = execFileSync("age", ["--encrypt", ...(recipients ?? []).flatMap((r) => ["-r", r])], { input: "layer 0-2" });
    for (const key of [cluster, recovery]) {
      const identityFile = join(work, `${key.recipient.slice(0, 12)}.key`);
      writeFileSync(identityFile, `${key.identity}\n`, { mode: 0o600 });
      expect(execFileSync("age", ["--decrypt", "-i", identityFile], { input: ciphertext }).toString()).toBe("layer 0-2");
    }
  });

  it("lists what to fill in and encrypt next", async () => {
    const out = join(work, "steps");
    const result = await init(out);
    const templates = listFiles(gitopsRoot).filter((f) => f.endsWith(".secret.example.yaml"));
    expect(result.secretTemplates).toEqual(templates);
    expect(result.toEdit).toContain("infrastructure/storage/helmrelease.yaml");
    const text = nextSteps(out, result);
    expect(text).toContain(`git -C ${out} config core.hooksPath .githooks`); // no quoting needed
    for (const template of templates) {
      const target = template.replace(".secret.example.yaml", ".sops.yaml");
      expect(text).toContain(`cp ${template} ${target} && $EDITOR ${target} && sops --encrypt --in-place ${target}`);
    }
  });

  it("prints step 2 so that it runs as printed from anywhere, with sops finding the new .sops.yaml", async () => {
    // sops looks for .sops.yaml from the working directory upwards, not from the file it
    // encrypts (LookupConfigFile(".") in getsops/sops cmd/sops/main.go findConfigFile and
    // config/config.go, v3.13.2): the commands must run inside the new repository. The stand-in
    // sops below does that lookup and nothing else; the shell runs from another directory, and
    // the repository's path has a space in it.
    const out = join(work, "my gitops");
    const result = await init(out);
    const text = nextSteps(out, result);
    const step2 = text.slice(text.indexOf("\n2. "), text.indexOf("\n3. "));
    const commands = step2.split("\n").filter((line) => /^\s+(cd|cp) /.test(line));
    expect(commands.length).toBe(result.secretTemplates.length + 1);
    const bin = join(work, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, "sops"),
      [
        "#!/bin/sh",
        'dir="$PWD"',
        'while [ ! -f "$dir/.sops.yaml" ]; do [ "$dir" = / ] && { echo "config file not found" >&2; exit 1; }; dir=$(dirname "$dir"); done',
        'echo "$dir" >> "$SOPS_SEEN"',
      ].join("\n"),
      { mode: 0o755 },
    );
    const seen = join(work, "sops-seen");
    const elsewhere = mkdtempSync(join(tmpdir(), "gitops-init-cwd-"));
    const run = spawnSync("bash", ["-euc", commands.map((line) => line.trim()).join("\n")], {
      cwd: elsewhere,
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}`, EDITOR: "true", SOPS_SEEN: seen },
    });
    rmSync(elsewhere, { recursive: true, force: true });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(readFileSync(seen, "utf8").trim().split("\n")).toEqual(result.secretTemplates.map(() => out));
    expect(text).toContain(`git -C '${out}' config core.hooksPath .githooks`);
  });

  it("never writes into a non-empty directory, and leaves it untouched", async () => {
    const out = join(work, "occupied");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine");
    await expect(init(out)).rejects.toThrow(/is not empty \(notes\.txt\); nothing was written/);
    expect(listFiles(out)).toEqual(["notes.txt"]);
  });

  it("refuses a dangling symlink and a directory inside the template with its own message, writing nothing", async () => {
    const dangling = join(work, "dangling");
    symlinkSync(join(work, "nowhere"), dangling);
    await expect(init(dangling)).rejects.toThrow(new InitError(`${dangling} is a symbolic link to nothing; nothing was written`));
    expect(existsSync(join(work, "nowhere"))).toBe(false);
    const inside = join(gitopsRoot, "clusters", "mine");
    await expect(init(inside)).rejects.toThrow(
      new InitError(`${inside} is inside the template ${gitopsRoot}; give a directory outside it. Nothing was written`),
    );
    expect(existsSync(inside)).toBe(false);
  });

  it("accepts an empty clone (only .git) and keeps its .git", async () => {
    const out = join(work, "clone");
    mkdirSync(join(out, ".git"), { recursive: true });
    writeFileSync(join(out, ".git", "HEAD"), "ref: refs/heads/main\n");
    await init(out);
    expect(readFileSync(join(out, ".git", "HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
    expect(existsSync(join(out, "clusters", "homelab", "kustomization.yaml"))).toBe(true);
  });

  it("refuses identities, malformed and identical recipients, all reported at once", async () => {
    expect(await recipientProblems(cluster.identity, "age1nope")).toEqual([
      "--recipient: that is a private age identity; pass its public recipient (age1…, `age-keygen -y` prints it)",
      '--recovery: "age1nope" is not an age recipient (age1… or age1pq1…)',
    ]);
    expect(await recipientProblems(cluster.recipient, cluster.recipient)).toEqual([
      "--recovery: must differ from the cluster recipient (the recovery key is a second, offline key)",
    ]);
    const age = await import("age-encryption");
    const pq = await age.identityToRecipient(await age.generateHybridIdentity());
    expect(await recipientProblems(pq, recovery.recipient)).toEqual([]);
  });

  it("refuses a post-quantum --recovery recipient, which talos-backup cannot encrypt snapshots to", async () => {
    const age = await import("age-encryption");
    const pq = await age.identityToRecipient(await age.generateHybridIdentity());
    expect(pq).toMatch(/^age1pq1/);
    const [problem, ...rest] = await recipientProblems(cluster.recipient, pq);
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^--recovery: .* is not an X25519 age recipient \(age1…\): talos-backup/);
    const cronJob = readFileSync(join(gitopsRoot, talosBackupCronJob), "utf8");
    expect(() => fillSnapshotRecipient(cronJob, pq)).toThrow(InitError);
  });

  it("refuses a template whose .sops.yaml lost a placeholder", () => {
    const text = readFileSync(join(gitopsRoot, ".sops.yaml"), "utf8").replace("- AGE_RECOVERY_RECIPIENT", "");
    expect(() => fillSopsConfig(text, cluster.recipient, recovery.recipient)).toThrow(InitError);
  });

  it("runs as `npm run gitops-init` with the recipient from `pulumi stack output --json`", () => {
    const outputs = join(work, "stack.json");
    writeFileSync(outputs, JSON.stringify({ ageRecipient: cluster.recipient, kubeconfig: "[secret]" }));
    const out = join(work, "cli");
    const tsx = join(root, "node_modules", ".bin", "tsx");
    const run = spawnSync(tsx, ["scripts/gitops-init.ts", "--out", out, "--stack-outputs", outputs, "--recovery", recovery.recipient], {
      cwd: root,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Wrote the GitOps template to ${out}`);
    expect(recipientsIn(readFileSync(join(out, ".sops.yaml"), "utf8"))).toEqual([[cluster.recipient, recovery.recipient]]);

    const again = spawnSync(
      tsx,
      ["scripts/gitops-init.ts", "--out", out, "--recipient", cluster.recipient, "--recovery", recovery.recipient],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/is not empty .*nothing was written/);
  });

  it("--help says how to get the cluster recipient before the first `pulumi up`, when no stack output exists yet", () => {
    const tsx = join(root, "node_modules", ".bin", "tsx");
    const run = spawnSync(tsx, ["scripts/gitops-init.ts", "--help"], { cwd: root, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/--recipient .*age-keygen -y on the homelab:sopsAgeKey identity/);
  });

  it("reports an unreadable or malformed --stack-outputs file in one line, exit 2, nothing written", () => {
    const tsx = join(root, "node_modules", ".bin", "tsx");
    const garbled = join(work, "garbled.json");
    writeFileSync(garbled, "Current stack is homelab:\n");
    for (const [file, message] of [
      [join(work, "missing.json"), /^gitops-init: cannot read .*missing\.json: ENOENT/],
      [garbled, /^gitops-init: .*garbled\.json is not JSON; write it with `pulumi stack output --json`/],
    ] as const) {
      const out = join(work, `never-${file.length}`);
      const run = spawnSync(tsx, ["scripts/gitops-init.ts", "--out", out, "--stack-outputs", file, "--recovery", recovery.recipient], {
        cwd: root,
        encoding: "utf8",
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    }
  });
});
