/**
 * The Pulumi CLI: is it installed and new enough, and what is the stack's
 * config. Commands run through an injectable runner so tests need no CLI.
 */
import { execFile } from "node:child_process";

import { type CheckResult, fail, note, pass } from "./types";

export type RunResult =
  | { kind: "exited"; code: number; stdout: string; stderr: string }
  /** The executable is not on PATH. */
  | { kind: "missing" }
  | { kind: "timeout"; timeoutMs: number };

export type CommandRunner = (command: string, args: string[], options: { timeoutMs: number }) => Promise<RunResult>;

/** Runs a command without a shell, stdin closed, killed after `timeoutMs`. */
export const execRunner: CommandRunner = (command, args, { timeoutMs }) =>
  new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ kind: "exited", code: 0, stdout, stderr });
          return;
        }
        const err = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string | null };
        if (err.code === "ENOENT") resolve({ kind: "missing" });
        else if (err.killed === true && err.signal !== null && err.signal !== undefined) resolve({ kind: "timeout", timeoutMs });
        else resolve({ kind: "exited", code: typeof err.code === "number" ? err.code : 1, stdout, stderr });
      },
    );
    child.stdin?.end();
  });

export const installLink = "https://www.pulumi.com/docs/install/";

/** major, minor, patch, and the pre-release tag ("" for a release). */
type Version = [number, number, number, string];

/**
 * The first Pulumi CLI whose engine honours each resource option the program
 * sets, from pulumi/pulumi CHANGELOG.md (read at v3.259.0). The program's
 * options are checked against this table in test/doctor/pulumi-minimum.test.ts.
 */
export const engineOptionSince = {
  /** Every 3.x engine. */
  protect: "3.0.0",
  ignoreChanges: "3.0.0",
  deleteBeforeReplace: "3.0.0",
  additionalSecretOutputs: "3.0.0",
  /** Restore mode (homelab:backup.restoreFrom) imports the Talos secrets and bootstrap; `import` predates 3.0. */
  import: "3.0.0",
  /** 3.25.0: "[sdk] - Add `RetainOnDelete` as a resource option." */
  retainOnDelete: "3.25.0",
  /**
   * 3.207.0: "[engine] Add `ReplaceWith` resource option" (pulumi/pulumi#20693). An older engine answers
   * SupportsFeature("replaceWith") with false (pkg/resource/deploy/source_eval.go), and the SDK then throws
   * "The Pulumi CLI does not support the ReplaceWith option" when it registers the first config apply.
   */
  replaceWith: "3.207.0",
} as const;

/** Semver order, except that pre-releases of one version are not ordered among themselves (semver.org §11: 1.0.0-alpha < 1.0.0). */
function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || (a[3] === b[3] ? 0 : a[3] === "" ? 1 : b[3] === "" ? -1 : 0);
}

const versionText = (v: Version) => `${v.slice(0, 3).join(".")}${v[3] === "" ? "" : `-${v[3]}`}`;

/** The oldest CLI the doctor accepts: the newest entry of engineOptionSince. */
export const MIN_PULUMI_CLI = Object.values(engineOptionSince).reduce((newest, version) =>
  compareVersions(parseVersion(version) as Version, parseVersion(newest) as Version) > 0 ? version : newest,
);
const minimumReason =
  "its engine is the first to honour the replaceWith resource option; older ones fail the program at its first config apply";

export function parseVersion(text: string): Version | undefined {
  const match = /v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3]), match[4] ?? ""] : undefined;
}

function atLeast(version: Version, minimum: Version): boolean {
  return compareVersions(version, minimum) >= 0;
}

const versionTimeoutMs = 10_000;

export async function checkPulumiCli(run: CommandRunner): Promise<CheckResult> {
  const name = "pulumi cli";
  const upgrade = `install Pulumi CLI ${MIN_PULUMI_CLI} or newer (${minimumReason}): ${installLink}`;
  const result = await run("pulumi", ["version"], { timeoutMs: versionTimeoutMs });
  switch (result.kind) {
    case "missing":
      // Not a failure of this machine's checks: they run without the CLI (--stack-file, --config-json).
      return note(
        name,
        `the pulumi command is not installed (not found on PATH), so \`pulumi up\` cannot run here yet; the checks below ran without it. To run up: ${upgrade}`,
      );
    case "timeout":
      return fail(
        name,
        `\`pulumi version\` gave no answer within ${result.timeoutMs} ms`,
        `check that \`pulumi version\` runs on its own; reinstall from ${installLink} if it hangs`,
      );
    case "exited": {
      const text = result.stdout.trim();
      const version = parseVersion(text);
      if (result.code !== 0 || version === undefined) {
        return fail(
          name,
          `\`pulumi version\` failed (exit ${result.code}): ${oneLine(result.stderr || text) || "no output"}`,
          `reinstall the CLI: ${installLink}`,
        );
      }
      const minimum = parseVersion(MIN_PULUMI_CLI) as Version;
      if (!atLeast(version, minimum)) {
        return fail(
          name,
          `Pulumi CLI ${versionText(version)} is older than ${MIN_PULUMI_CLI}, which this program needs (${minimumReason})`,
          upgrade,
        );
      }
      return pass(name, `Pulumi CLI ${versionText(version)} (>= ${MIN_PULUMI_CLI})`);
    }
    default: {
      const exhaustive: never = result;
      throw new Error(`unhandled run result ${JSON.stringify(exhaustive)}`);
    }
  }
}

export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

const configTimeoutMs = 60_000;

/** The stack's config as `pulumi config --show-secrets --json` prints it, or why it could not be read. */
export async function pulumiConfigJson(run: CommandRunner, stack: string): Promise<{ json: string } | { problem: string; fix: string }> {
  const result = await run("pulumi", ["config", "--show-secrets", "--json", "--non-interactive", "--stack", stack], {
    timeoutMs: configTimeoutMs,
  });
  switch (result.kind) {
    case "missing":
      return {
        problem: "cannot read the stack config: the pulumi command is not installed",
        fix: `install the CLI (${installLink}), or pass --config-json <file> holding the output of \`pulumi config --show-secrets --json --stack ${stack}\``,
      };
    case "timeout":
      return {
        problem: `\`pulumi config --stack ${stack}\` gave no answer within ${result.timeoutMs} ms`,
        fix: "check your state backend login (`pulumi whoami`) and the secrets provider",
      };
    case "exited":
      if (result.code !== 0) {
        return {
          problem: `\`pulumi config --stack ${stack}\` failed: ${oneLine(result.stderr || result.stdout) || `exit ${result.code}`}`,
          fix: `run it from the project directory after \`pulumi login\`; create the stack with \`pulumi stack init ${stack}\`; for a passphrase secrets provider set PULUMI_CONFIG_PASSPHRASE`,
        };
      }
      return { json: result.stdout };
    default: {
      const exhaustive: never = result;
      throw new Error(`unhandled run result ${JSON.stringify(exhaustive)}`);
    }
  }
}
