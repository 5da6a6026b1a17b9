/**
 * scripts/ci/pulumi.ts with the real Pulumi CLI (the locked @pulumi/pulumi's, built by tools/) against a local
 * state directory: the login and stack selection the workflow relies on, and the comment for a failing
 * preview and for a stack that does not exist. The programs here fail before any language host or plugin is
 * loaded (their main file is missing), so nothing but the CLI is needed and nothing reaches the network.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { teeExec } from "../../scripts/ci/exec";
import type { Fetch } from "../../scripts/ci/github";
import { main } from "../../scripts/ci/run";
import { pulumiBinary } from "../support/pulumi-cli";

let root: string;
let env: Record<string, string>;
let pulumi: string;

beforeAll(() => {
  pulumi = pulumiBinary();
  root = mkdtempSync(join(tmpdir(), "ci-cli-"));
  mkdirSync(join(root, "state"));
  env = {
    PATH: process.env["PATH"] ?? "",
    HOME: root,
    PULUMI_HOME: join(root, ".pulumi"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_CONFIG_PASSPHRASE: "ci test passphrase",
    PULUMI_BACKEND_URL: `file://${join(root, "state")}`,
    // A self-hosted runner: the only place the script accepts file:// state.
    RUNNER_ENVIRONMENT: "self-hosted",
    CI_COMMIT: "0123456789abcdef",
  };
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A project whose program file does not exist, with the stack `stack` made as the README has the user make it. */
function project(name: string, stack: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "Pulumi.yaml"), `name: ci-${name}\nruntime: nodejs\nmain: missing.js\n`);
  const cli = (args: string[]) => spawnSync(pulumi, args, { cwd: dir, env, encoding: "utf8", timeout: 120_000 });
  expect(cli(["login", env["PULUMI_BACKEND_URL"] ?? ""]).status).toBe(0);
  const init = cli(["stack", "init", stack, "--secrets-provider", "passphrase", "--non-interactive"]);
  expect(init.status, init.stderr).toBe(0);
  // `stack init` writes the passphrase provider's salt into the stack file, which the script checks first.
  expect(readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8")).toMatch(/^encryptionsalt: /m);
  return dir;
}

async function preview(dir: string) {
  const noFetch: Fetch = () => Promise.reject(new Error("no GitHub in this test"));
  const quiet = () => undefined;
  const code = await main(["preview", "--stack", "homelab", "--comment-file", "comment.md"], {
    root: dir,
    env,
    exec: teeExec(quiet),
    fetch: noFetch,
    pulumi,
    stdout: quiet,
  });
  return { code, comment: readFileSync(join(dir, "comment.md"), "utf8") };
}

describe("scripts/ci/pulumi.ts with the real Pulumi CLI", () => {
  it("logs in and selects the stack; a failing preview is reported with its step, exit status and the CLI's error", async () => {
    const dir = project("failing", "homelab");
    const { code, comment } = await preview(dir);
    expect(code).not.toBe(0);
    expect(comment).toContain(`**Failed**: \`pulumi preview\` exited ${code}.`);
    expect(comment).toMatch(/missing\.js: no such file or directory/);
    expect(comment).toContain("state in a directory of the self-hosted runner");
    expect(comment).not.toMatch(/(`{3,})text\n\s*\1/);
  }, 180_000);

  it("a stack that does not exist is selected, never created: the comment names pulumi stack select", async () => {
    const dir = project("no-stack", "other");
    writeFileSync(join(dir, "Pulumi.homelab.yaml"), readFileSync(join(dir, "Pulumi.other.yaml")));
    const { code, comment } = await preview(dir);
    expect(code).not.toBe(0);
    expect(comment).toContain(`**Failed**: \`pulumi stack select\` exited ${code}.`);
    expect(comment).toContain("no stack named 'homelab' found");
    const stacks = spawnSync(pulumi, ["stack", "ls", "--json"], { cwd: dir, env, encoding: "utf8" });
    expect((JSON.parse(stacks.stdout) as { name: string }[]).map((s) => s.name)).toEqual(["other"]);
  }, 180_000);
});
