/**
 * The real Pulumi CLI (pulumi/pulumi pkg/cmd/pulumi at the locked @pulumi/pulumi, built by
 * tools/build.ts from tools/pulumi-cli/) in a sandbox of its own: every test that runs the CLI
 * goes through `pulumiSandbox`.
 *
 * A sandbox is a temporary directory holding the project (a copy of this repository's
 * Pulumi.yaml, so stack files the CLI writes land there and never in the checkout), a state
 * backend logged in with the real `pulumi login file://…`, and PULUMI_HOME. The CLI runs with an
 * environment of its own (nothing of the caller's PULUMI_* or HOME leaks in), the update check and
 * plugin downloads off, and the passphrase secrets provider: nothing reaches the network.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll } from "vitest";

import type { CommandRunner } from "../../scripts/doctor/pulumi";
import { repoRoot, toolPath } from "../../tools/registry";

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to the CLI's standard input (otherwise stdin is empty and not a terminal). */
  input?: string;
  /** Replaces the sandbox passphrase for this run; `null` runs without PULUMI_CONFIG_PASSPHRASE. */
  passphrase?: string | null;
  timeoutMs?: number;
}

export interface PulumiSandbox {
  /** The project directory: Pulumi.yaml, and the Pulumi.<stack>.yaml files the CLI writes. */
  projectDir: string;
  /** `file://…` of the state backend the sandbox is logged in to. */
  backendUrl: string;
  /** The environment every run gets (PULUMI_HOME, the passphrase, …). */
  env: NodeJS.ProcessEnv;
  /** Runs `pulumi <args>` in the project directory; never throws on a non-zero exit. */
  run(args: string[], options?: CliOptions): CliRun;
  /** Runs `pulumi <args>` and returns its stdout; throws with the CLI's own message on a non-zero exit. */
  ok(args: string[], options?: CliOptions): string;
  /** The path of `Pulumi.<stack>.yaml` in the project directory. */
  stackFile(stack: string): string;
  /** The text of `Pulumi.<stack>.yaml`. */
  readStackFile(stack: string): string;
  /** A doctor CommandRunner that answers `pulumi …` with this sandbox's CLI (and refuses any other command). */
  runner: CommandRunner;
}

export interface SandboxOptions {
  /** PULUMI_CONFIG_PASSPHRASE of every run (a test may override it per run). Default: a fixed test passphrase. */
  passphrase?: string;
}

/** The built CLI; throws naming `npm run tools` when it is not built. */
export function pulumiBinary(): string {
  return toolPath("pulumi");
}

/**
 * A sandbox removed after the test file. It is logged in (`pulumi login file://<backend>`) before
 * it is returned, so a failing login fails the test that asked for it with the CLI's message.
 */
export function pulumiSandbox(options: SandboxOptions = {}): PulumiSandbox {
  const binary = pulumiBinary();
  const root = mkdtempSync(join(tmpdir(), "pulumi-cli-"));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const projectDir = join(root, "project");
  const backendDir = join(root, "state");
  const home = join(root, "home");
  for (const dir of [projectDir, backendDir, home]) mkdirSync(dir, { recursive: true });
  copyFileSync(join(repoRoot, "Pulumi.yaml"), join(projectDir, "Pulumi.yaml"));
  const backendUrl = `file://${backendDir}`;

  // pulumi/pulumi sdk/go/common/env/env.go (v3.248.0): SKIP_UPDATE_CHECK, DISABLE_AUTOMATIC_PLUGIN_ACQUISITION;
  // HOME too, so no ~/.pulumi or credentials of the machine are read.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"],
    HOME: home,
    PULUMI_HOME: join(home, ".pulumi"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_CONFIG_PASSPHRASE: options.passphrase ?? "correct horse battery staple",
  };

  const run = (args: string[], runOptions: CliOptions = {}): CliRun => {
    const runEnv = { ...env };
    if (runOptions.passphrase === null) delete runEnv["PULUMI_CONFIG_PASSPHRASE"];
    else if (runOptions.passphrase !== undefined) runEnv["PULUMI_CONFIG_PASSPHRASE"] = runOptions.passphrase;
    const result = spawnSync(binary, args, {
      cwd: projectDir,
      env: runEnv,
      input: runOptions.input ?? "",
      encoding: "utf8",
      timeout: runOptions.timeoutMs ?? 60_000,
      maxBuffer: 16 << 20,
    });
    if (result.error !== undefined) throw result.error;
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };

  const ok = (args: string[], runOptions?: CliOptions): string => {
    const result = run(args, runOptions);
    if (result.status !== 0) {
      throw new Error(`pulumi ${args.join(" ")} exited ${result.status}: ${(result.stderr || result.stdout).trim()}`);
    }
    return result.stdout;
  };

  const runner: CommandRunner = (command, args, { timeoutMs }) => {
    if (command !== "pulumi") return Promise.reject(new Error(`the sandbox runs only pulumi, not ${command}`));
    const { status, stdout, stderr } = run(args, { timeoutMs });
    return Promise.resolve({ kind: "exited", code: status, stdout, stderr });
  };

  ok(["login", backendUrl]);
  const stackFile = (stack: string) => join(projectDir, `Pulumi.${stack}.yaml`);
  return { projectDir, backendUrl, env, run, ok, stackFile, readStackFile: (stack) => readFileSync(stackFile(stack), "utf8"), runner };
}
