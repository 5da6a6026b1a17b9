/**
 * What scripts/ci/pulumi.ts runs, in which order, and what it writes, with the commands recorded instead of run
 * (test/ci/pulumi-cli.test.ts runs the same flow with the real Pulumi CLI).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { marker } from "../../scripts/ci/comment";
import type { Exec } from "../../scripts/ci/exec";
import type { Fetch } from "../../scripts/ci/github";
import { childEnv, type Deps, main } from "../../scripts/ci/run";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ci-run-"));
  writeFileSync(join(root, "Pulumi.homelab.yaml"), "encryptionsalt: v1:abc\nconfig: {}\n");
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const cloudEnv = {
  RUNNER_ENVIRONMENT: "github-hosted",
  PULUMI_ACCESS_TOKEN: "pul-token",
  PULUMI_CONFIG_PASSPHRASE: "pass",
  PULUMI_BACKEND_URL: "",
  AWS_ACCESS_KEY_ID: "",
  GITHUB_TOKEN: "gh-token",
  GITHUB_REPOSITORY: "o/r",
  GITHUB_RUN_ID: "42",
  CI_COMMIT: "feedfacefeedfacefeedface",
};

function harness(env: Record<string, string>, codes: Record<string, number> = {}) {
  const calls: { command: string; args: string[]; env: NodeJS.ProcessEnv; commentBefore: string | undefined }[] = [];
  const exec: Exec = (command, args, options) => {
    let commentBefore: string | undefined;
    try {
      commentBefore = readFileSync(join(root, "comment.md"), "utf8");
    } catch {
      commentBefore = undefined;
    }
    calls.push({ command, args, env: options.env, commentBefore });
    const key = `${command} ${args[0] ?? ""}`;
    return Promise.resolve({ code: codes[key] ?? 0, output: codes[key] ? `error: ${key} failed\n` : "Resources:\n    + 2 to create\n" });
  };
  const fetched: { method: string; url: string }[] = [];
  const fetch: Fetch = (url, init) => {
    fetched.push({ method: init.method, url });
    return Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve([]), text: () => Promise.resolve("") });
  };
  const out: string[] = [];
  const deps: Deps = { root, env, exec, fetch, pulumi: "/opt/pulumi", stdout: (t) => out.push(t) };
  return { calls, fetched, out, deps, comment: () => readFileSync(join(root, "comment.md"), "utf8") };
}

describe("scripts/ci/pulumi.ts preview", () => {
  it("logs in to the backend, selects the stack without creating it, then previews without refresh or prompts", async () => {
    const h = harness(cloudEnv);
    expect(await main(["preview", "--stack", "homelab", "--comment-file", "comment.md"], h.deps)).toBe(0);
    expect(h.calls.map((c) => [c.command, ...c.args].join(" "))).toEqual([
      "/opt/pulumi login --non-interactive https://api.pulumi.com",
      "/opt/pulumi stack select --non-interactive homelab",
      "/opt/pulumi preview --non-interactive --stack homelab --color never --suppress-progress --refresh=false",
    ]);
    expect(h.comment()).toContain("**Succeeded**, with changes: + 2 to create.");
    expect(h.comment()).toContain("Commit feedfacefeed, state in Pulumi Cloud. [Job log](https://github.com/o/r/actions/runs/42)");
  });

  it("gives Pulumi the job's secrets and GITHUB_TOKEN, and drops empty ones", async () => {
    const h = harness(cloudEnv);
    await main(["preview", "--stack", "homelab", "--comment-file", "comment.md"], h.deps);
    const env = h.calls[2]?.env ?? {};
    expect(env["GITHUB_TOKEN"]).toBe("gh-token");
    expect(env["PULUMI_ACCESS_TOKEN"]).toBe("pul-token");
    expect(env).not.toHaveProperty("PULUMI_BACKEND_URL");
    expect(env).not.toHaveProperty("AWS_ACCESS_KEY_ID");
    expect(childEnv({ A: "", B: "b", C: undefined })).toEqual({ B: "b" });
  });

  it("writes a 'did not finish' comment before running anything, so a killed step still posts a true one", async () => {
    const h = harness(cloudEnv);
    await main(["preview", "--stack", "homelab", "--comment-file", "comment.md"], h.deps);
    expect(h.calls[0]?.commentBefore).toContain("**Did not finish**");
    expect(h.comment()).not.toContain("Did not finish");
  });

  it("stops at the first failing step and names it in the comment, with the step's exit status", async () => {
    const h = harness(cloudEnv, { "/opt/pulumi stack": 255 });
    expect(await main(["preview", "--stack", "homelab", "--comment-file", "comment.md"], h.deps)).toBe(255);
    expect(h.calls.map((c) => c.args[0])).toEqual(["login", "stack"]);
    expect(h.comment()).toContain("**Failed**: `pulumi stack select` exited 255.");
    expect(h.comment()).toContain("error: /opt/pulumi stack failed");
  });

  it("runs nothing when the job lacks its settings, and lists them all", async () => {
    const h = harness({ RUNNER_ENVIRONMENT: "github-hosted", PULUMI_BACKEND_URL: "s3://state" });
    expect(await main(["preview", "--stack", "homelab", "--comment-file", "comment.md"], h.deps)).toBe(1);
    expect(h.calls).toEqual([]);
    expect(h.comment().split("\n")[0]).toBe(marker.preview("homelab"));
    for (const name of ["no region", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PULUMI_CONFIG_PASSPHRASE"])
      expect(h.comment()).toContain(name);
  });
});

describe("scripts/ci/pulumi.ts up", () => {
  it("runs pulumi up --yes after login and stack selection, and posts nothing", async () => {
    const h = harness(cloudEnv);
    expect(await main(["up", "--stack", "homelab"], h.deps)).toBe(0);
    expect(h.calls.map((c) => c.args.slice(0, 2).join(" "))).toEqual(["login --non-interactive", "stack select", "up --yes"]);
    expect(h.fetched).toEqual([]);
  });
});

describe("scripts/ci/pulumi.ts impact", () => {
  const args = [
    "impact",
    "--config",
    "Pulumi.homelab.yaml",
    "--base-config",
    "base.yaml",
    "--base-ref",
    "main",
    "--comment-file",
    "comment.md",
  ];

  it("a code-only change runs no plan and says there is nothing to evaluate", async () => {
    const h = harness({});
    writeFileSync(join(root, "base.yaml"), readFileSync(join(root, "Pulumi.homelab.yaml")));
    expect(await main(args, h.deps)).toBe(0);
    expect(h.calls).toEqual([]);
    expect(h.comment()).toContain("**Nothing to evaluate**");
  });

  it("a config change runs npm run plan -- --compare and fails with it", async () => {
    const h = harness({}, { "npm run": 4 });
    writeFileSync(join(root, "base.yaml"), "config: {}\n");
    expect(await main(args, h.deps)).toBe(4);
    expect(h.calls.map((c) => [c.command, ...c.args].join(" "))).toEqual([
      "npm run --silent plan -- --config Pulumi.homelab.yaml --compare base.yaml",
    ]);
    expect(h.comment()).toContain("**The report failed the check** (exit 4):");
  });
});

describe("scripts/ci/pulumi.ts comment", () => {
  const args = ["comment", "--comment-file", "comment.md"];

  it("posts the comment file under its marker on PR_NUMBER", async () => {
    const h = harness({ ...cloudEnv, PR_NUMBER: "7", HEAD_BRANCH: "7/merge" });
    writeFileSync(join(root, "comment.md"), `${marker.impact}\nbody\n`);
    expect(await main(args, h.deps)).toBe(0);
    expect(h.fetched.map((f) => `${f.method} ${f.url.replace(/\?.*/, "")}`)).toEqual([
      "GET https://api.github.com/repos/o/r/issues/7/comments",
      "POST https://api.github.com/repos/o/r/issues/7/comments",
    ]);
  });

  it("started by hand, looks up the open pull request of the branch, and posts nothing when there is none", async () => {
    const h = harness({ ...cloudEnv, PR_NUMBER: "", HEAD_BRANCH: "feature/x" });
    writeFileSync(join(root, "comment.md"), `${marker.preview("homelab")}\nbody\n`);
    expect(await main(args, h.deps)).toBe(0);
    expect(h.fetched).toEqual([{ method: "GET", url: "https://api.github.com/repos/o/r/pulls?state=open&head=o%3Afeature%2Fx" }]);
    expect(h.out.at(-1)).toBe("comment: no open pull request has the branch feature/x as its head; the job summary has the comment\n");
  });

  it("refuses to post without a token, a pull request, or a marker", async () => {
    writeFileSync(join(root, "comment.md"), "no marker\n");
    expect(await main(args, harness({ GITHUB_REPOSITORY: "o/r", PR_NUMBER: "7" }).deps)).toBe(2);
    expect(await main(args, harness(cloudEnv).deps)).toBe(2);
    expect(await main(args, harness({ ...cloudEnv, PR_NUMBER: "x" }).deps)).toBe(2);
    await expect(main(args, harness({ ...cloudEnv, PR_NUMBER: "7" }).deps)).rejects.toThrow("marker");
  });
});

describe("arguments", () => {
  it.each([
    [[], "give one of: cli-version, preview, up, impact, comment"],
    [["preview", "--stack", "homelab"], "preview: missing --comment-file"],
    [["up", "--stack"], "up: --stack needs a value"],
    [["up", "--stack", "homelab", "--yes", "1"], "up: unknown argument --yes"],
  ])("%j: one line, exit 2", async (argv, message) => {
    const h = harness({});
    expect(await main(argv, h.deps)).toBe(2);
    expect(h.out).toEqual([`scripts/ci/pulumi.ts: ${message}\n`]);
  });

  it("cli-version prints the locked @pulumi/pulumi for $GITHUB_OUTPUT", async () => {
    const h = harness({});
    writeFileSync(join(root, "package-lock.json"), JSON.stringify({ packages: { "node_modules/@pulumi/pulumi": { version: "3.248.0" } } }));
    expect(await main(["cli-version"], h.deps)).toBe(0);
    expect(h.out).toEqual(["version=3.248.0\n"]);
    writeFileSync(join(root, "package-lock.json"), JSON.stringify({ packages: { "node_modules/@pulumi/pulumi": { version: "3.206.0" } } }));
    await expect(main(["cli-version"], h.deps)).rejects.toThrow("older than 3.207.0");
  });
});
