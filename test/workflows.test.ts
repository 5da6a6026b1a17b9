/**
 * The GitHub Actions workflows pass actionlint (rhysd/actionlint, built from source by tools/), and the
 * pulumi workflow keeps the settings its security model rests on (docs/ci.md): thin jobs that call
 * scripts/ci/pulumi.ts, secrets only in the step that runs Pulumi, previews of the approved commit only,
 * one Pulumi operation per stack at a time, and an `up` runner no other job can reach.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { pulumiCliVersion } from "../scripts/ci/cli-version";
import { MIN_PULUMI_CLI, parseVersion } from "../scripts/doctor/pulumi";
import { actionlint } from "./support/actionlint";

const root = join(__dirname, "..");
const dir = join(root, ".github", "workflows");
const workflows = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
  "timeout-minutes"?: number;
}
interface Job {
  if?: string;
  needs?: string | string[];
  "runs-on": string | string[] | { group: string; labels: string[] };
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
const secretsOf = (value: unknown) => [...JSON.stringify(value ?? null).matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
const script = "npx tsx scripts/ci/pulumi.ts";
/** The step that runs `scripts/ci/pulumi.ts <command>`. */
const scriptStep = (jobName: string, command: string): Step => {
  const found = job(jobName).steps.find((s) => s.run?.startsWith(`${script} ${command} `) || s.run === `${script} ${command}`);
  if (found === undefined) throw new Error(`job ${jobName} has no step running ${command}`);
  return found;
};
const pulumiJobs = ["preview", "up"] as const;

describe("GitHub Actions workflows", () => {
  it.each(workflows)("%s passes actionlint", (file) => {
    expect(actionlint([join(dir, file)], root)).toEqual([]);
  });

  it("actionlint reports a broken workflow and an undeclared runner label (the check can fail)", () => {
    const broken =
      "on: push\njobs:\n  x:\n    runs-on: [self-hosted, elsewhere]\n    steps:\n      - run: echo ${{ github.nonexistent.value }}\n";
    const kinds = actionlint([], root, broken).map((p) => p.kind);
    expect(kinds).toContain("runner-label");
    expect(kinds).toContain("expression");
  });
});

describe("the pulumi workflow", () => {
  it("tests every change, previews on approval, and runs up only on demand from main", () => {
    expect(
      job("test")
        .steps.map((s) => s.run)
        .filter(Boolean),
    ).toEqual(["sudo apt-get update -qq && sudo apt-get install -y -qq age", "npm ci", "npm test"]);
    expect(job("up").if).toBe("github.event_name == 'workflow_dispatch' && inputs.up && github.ref == 'refs/heads/main'");
    expect(job("up").environment).toBe("homelab");
    expect(job("preview").environment).toBe("homelab-preview");
  });

  it("the test job installs the age CLI the tests run (ubuntu-latest lacks it; .ci/run installs it too)", () => {
    const runs = job("test").steps.map((s) => s.run ?? "");
    const install = runs.findIndex((r) => /apt-get install\b.*\bage\b/.test(r));
    expect(install).toBeGreaterThanOrEqual(0);
    expect(install).toBeLessThan(runs.indexOf("npm test"));
    expect(readFileSync(join(root, ".ci", "run"), "utf8")).toMatch(/for tool in [^;]*\bage\b/);
  });

  it("thin jobs: besides npm ci, every command of impact, preview and up is one call of scripts/ci/pulumi.ts", () => {
    for (const name of ["impact", ...pulumiJobs]) {
      const runs = job(name)
        .steps.map((s) => s.run)
        .filter((r): r is string => r !== undefined);
      expect(runs.length, name).toBeGreaterThan(1);
      for (const run of runs.filter((r) => r !== "npm ci")) expect(run, name).toMatch(new RegExp(`^${script} [a-z-]+( [^\\n;&|]*)?$`));
    }
    expect(text).not.toContain("--edit-last");
  });

  it("previews only what a collaborator approved: an approving review by OWNER, MEMBER or COLLABORATOR, on this repository's branch, of the reviewed commit", () => {
    const [review, dispatch, ...more] = (job("preview").if ?? "").split(" || ");
    expect(more).toEqual([]);
    expect(review).toMatch(/^\(github\.event_name == 'pull_request_review' && /);
    expect(review).toContain("github.event.review.state == 'approved' &&");
    expect(review).toContain("github.event.pull_request.head.repo.full_name == github.repository)");
    const association = /contains\(fromJSON\('(\[[^']*\])'\), github\.event\.review\.author_association\) &&/.exec(review ?? "");
    expect(JSON.parse(association?.[1] ?? "[]")).toEqual(["OWNER", "MEMBER", "COLLABORATOR"]);
    // Started by hand (which needs write access), for the author who cannot approve their own pull request.
    expect(dispatch).toBe("(github.event_name == 'workflow_dispatch' && inputs.preview)");
    const checkout = job("preview").steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["ref"]).toBe("${{ github.event.review.commit_id || github.sha }}");
    expect(scriptStep("preview", "preview").env?.["CI_COMMIT"]).toBe("${{ github.event.review.commit_id || github.sha }}");
    expect(job("impact").if).toBe(
      "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository",
    );
  });

  it("secrets reach only the step that runs Pulumi: never the workflow, a job's env, npm ci, an action's inputs, the test or impact job", () => {
    expect(workflow.env).toBeUndefined();
    for (const [name, j] of Object.entries(workflow.jobs)) {
      expect(secretsOf(j.env), name).toEqual([]);
      for (const step of j.steps) {
        if (step.run?.startsWith(`${script} preview `) === true || step.run?.startsWith(`${script} up `) === true) continue;
        expect(secretsOf(step), `${name}: ${step.name ?? step.run ?? step.uses ?? ""}`).toEqual([]);
      }
    }
    const backendSecrets = ["PULUMI_ACCESS_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PULUMI_CONFIG_PASSPHRASE"];
    for (const name of pulumiJobs) {
      const env = scriptStep(name, name).env ?? {};
      for (const secret of backendSecrets) expect(env[secret], `${name} ${secret}`).toBe(`\${{ secrets.${secret} }}`);
      expect(env["PULUMI_BACKEND_URL"], name).toBe("${{ vars.PULUMI_BACKEND_URL }}");
    }
  });

  it("passes GITHUB_TOKEN to the step that downloads the talos and proxmoxve plugins (GitHub releases: 60 unauthenticated API calls an hour)", () => {
    for (const name of pulumiJobs) expect(scriptStep(name, name).env?.["GITHUB_TOKEN"], name).toBe("${{ github.token }}");
  });

  it("installs the Pulumi CLI of the locked @pulumi/pulumi, never older than the program's minimum, before running it", () => {
    const locked = pulumiCliVersion(root);
    const minimum = parseVersion(MIN_PULUMI_CLI);
    const version = parseVersion(locked);
    expect(version && minimum && (version[0] - minimum[0] || version[1] - minimum[1] || version[2] - minimum[2])).toBeGreaterThanOrEqual(0);
    for (const name of pulumiJobs) {
      const steps = job(name).steps;
      const versionStep = steps.findIndex((s) => s.run === `${script} cli-version >> "$GITHUB_OUTPUT"`);
      const install = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
      const operation = steps.indexOf(scriptStep(name, name));
      expect(versionStep, name).toBeGreaterThanOrEqual(0);
      expect(steps[install]?.with, name).toEqual({ "pulumi-version": `\${{ steps.${steps[versionStep]?.id ?? "?"}.outputs.version }}` });
      expect(versionStep).toBeLessThan(install);
      expect(install).toBeLessThan(operation);
    }
  });

  it("one concurrency group per stack, shared by preview and up, never cancelling a running operation", () => {
    expect(workflow.concurrency).toBeUndefined();
    const stack = "${{ vars.PULUMI_STACK || 'homelab' }}";
    for (const name of pulumiJobs) {
      expect(job(name).concurrency, name).toEqual({ group: `pulumi-stack-${stack}`, "cancel-in-progress": false });
      expect(scriptStep(name, name).env?.["STACK"], name).toBe(stack);
      expect(scriptStep(name, name).run).toContain('--stack "$STACK"');
    }
    for (const name of ["test", "impact"]) expect(job(name).concurrency, name).toBeUndefined();
    expect(readFileSync(join(root, "docs", "ci.md"), "utf8")).toMatch(/pulumi cancel/);
  });

  it("every job has a timeout; the preview step's is shorter than its job's, so the comment is still posted", () => {
    for (const name of Object.keys(workflow.jobs)) expect(job(name)["timeout-minutes"], name).toBeGreaterThan(0);
    expect(scriptStep("preview", "preview")["timeout-minutes"]).toBeLessThan(job("preview")["timeout-minutes"] ?? 0);
  });

  it("posts the preview and the impact report as separate comments, each even when its step failed", () => {
    expect(scriptStep("preview", "comment").env?.["HEAD_BRANCH"]).toBe("${{ github.ref_name }}");
    for (const [name, command] of [
      ["impact", "impact"],
      ["preview", "preview"],
    ] as const) {
      expect(scriptStep(name, command).run).toContain("--comment-file comment.md");
      const post = scriptStep(name, "comment");
      expect(post.run).toBe(`${script} comment --comment-file comment.md`);
      expect(post.if).toBe("always() && hashFiles('comment.md') != ''");
      expect(post.env).toMatchObject({ GITHUB_TOKEN: "${{ github.token }}", PR_NUMBER: "${{ github.event.pull_request.number }}" });
    }
  });

  it("caps Kubernetes client calls only in the preview (the timeout also cuts the watches up waits on)", () => {
    expect(scriptStep("preview", "preview").env?.["PULUMI_K8S_CLIENT_TIMEOUT"]).toBe("5");
    const others = Object.entries(workflow.jobs).filter(([name]) => name !== "preview");
    for (const [name, j] of others) expect(JSON.stringify(j), name).not.toContain("PULUMI_K8S_CLIENT_TIMEOUT");
  });

  it("the up runner is reachable only from the up job: an organization runner group, whose labels no other job asks for", () => {
    const up = job("up")["runs-on"];
    expect(up).toEqual({ group: "homelab-up", labels: ["self-hosted", "homelab-up"] });
    const declared = (
      parseYaml(readFileSync(join(root, ".github", "actionlint.yaml"), "utf8")) as { "self-hosted-runner": { labels: string[] } }
    )["self-hosted-runner"].labels;
    expect(declared).toEqual(["homelab-up"]);
    for (const [name, j] of Object.entries(workflow.jobs).filter(([n]) => n !== "up")) {
      const runsOn = JSON.stringify(j["runs-on"]);
      expect(runsOn, name).not.toContain("homelab-up");
      expect(runsOn, name).not.toContain("self-hosted");
    }
    expect(job("preview")["runs-on"]).toBe("${{ vars.PULUMI_PREVIEW_RUNNER || 'ubuntu-latest' }}");
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
    expect(job("preview").permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });

  it("reports the impact against the base branch's stack config", () => {
    const base = job("impact").steps.find((s) => s.with?.["path"] === "base");
    expect(base?.with?.["ref"]).toBe("${{ github.event.pull_request.base.sha }}");
    expect(scriptStep("impact", "impact").run).toBe(
      `${script} impact --config Pulumi.homelab.yaml --base-config base/Pulumi.homelab.yaml --base-ref "$BASE_REF" --comment-file comment.md`,
    );
  });

  it("docs/ci.md names every secret and variable the workflow reads", () => {
    const doc = readFileSync(join(root, "docs", "ci.md"), "utf8");
    const names = [...text.matchAll(/\b(?:secrets|vars)\.(\w+)/g)].map((m) => m[1] ?? "");
    expect(names.length).toBeGreaterThan(0);
    for (const name of new Set(names)) expect(doc, name).toContain(`\`${name}\``);
  });

  it("Renovate keeps the pinned action SHAs current", () => {
    const renovate = JSON.parse(readFileSync(join(root, "renovate.json"), "utf8")) as { extends: string[] };
    expect(renovate.extends).toContain("helpers:pinGitHubActionDigests");
  });
});
