/**
 * `tsx scripts/ci/pulumi.ts <command>`: what each job of .github/workflows/pulumi.yml does, so the workflow
 * only checks out, sets up and calls this (docs/ci.md).
 *
 *   cli-version          prints `version=<v>` for $GITHUB_OUTPUT: the Pulumi CLI the job installs
 *   preview|up --stack   checks the job's backend settings, logs in, selects the stack (never creates it),
 *                        runs the operation and writes the comment to --comment-file
 *   impact               compares the stack config with the base branch's (npm run plan -- --compare)
 *                        and writes the comment to --comment-file
 *   comment              posts --comment-file on the pull request (PR_NUMBER, or the open one whose head is
 *                        HEAD_BRANCH), or edits the comment there with its marker
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { UsageError } from "../lib/args";
import { type Backend, checkSecretsProvider, type Env, type Problem, selectBackend, stackFileName } from "./backend";
import { pulumiCliVersion } from "./cli-version";
import { impactComment, type ImpactOutcome, operationComment, type OperationOutcome, type Run, type Step } from "./comment";
import type { Exec } from "./exec";
import { type Fetch, pullRequestOf, upsertComment } from "./github";

export interface Deps {
  /** The project directory (Pulumi.yaml). */
  root: string;
  env: Env;
  exec: Exec;
  fetch: Fetch;
  /** The Pulumi CLI to run. */
  pulumi: string;
  stdout: (text: string) => void;
}

export function describeBackend(backend: Backend | undefined): string {
  if (backend === undefined) return "an unsupported backend";
  switch (backend.kind) {
    case "cloud":
      return "Pulumi Cloud";
    case "s3":
      return `the S3 bucket \`${backend.bucket}\``;
    case "file":
      return "a directory of the self-hosted runner";
    default: {
      const exhaustive: never = backend;
      throw new Error(`unhandled backend ${JSON.stringify(exhaustive)}`);
    }
  }
}

function runOf(env: Env): Run {
  const server = env["GITHUB_SERVER_URL"] ?? "https://github.com";
  const repository = env["GITHUB_REPOSITORY"] ?? "";
  const runId = env["GITHUB_RUN_ID"];
  return {
    commit: env["CI_COMMIT"] || env["GITHUB_SHA"] || "unknown",
    url: repository !== "" && runId !== undefined ? `${server}/${repository}/actions/runs/${runId}` : "the job log",
  };
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

function record(deps: Deps, commentFile: string | undefined, body: string): void {
  if (commentFile !== undefined) writeFileSync(resolve(deps.root, commentFile), body);
  const summary = deps.env["GITHUB_STEP_SUMMARY"];
  if (summary) writeFileSync(summary, body, { flag: "a" });
  deps.stdout(`\n${body}`);
}

/**
 * The environment of the commands the script runs: the job's, less empty values. GitHub expands a secret that
 * does not exist to "", and an empty PULUMI_ACCESS_TOKEN or AWS key must look unset, not like a wrong value.
 */
export function childEnv(env: Env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""));
}

/** Flags the `pulumi preview` and `pulumi up` of the CI share: no prompts, no colour codes in the comment, no refresh. */
const operationFlags = (stack: string) => [
  "--non-interactive",
  "--stack",
  stack,
  "--color",
  "never",
  "--suppress-progress",
  "--refresh=false",
];

/** Login, stack selection and the operation; the outcome says which step failed. */
export async function operate(
  command: "preview" | "up",
  stack: string,
  deps: Deps,
): Promise<{ backend: Backend | undefined; outcome: OperationOutcome; code: number }> {
  const { backend, problems } = selectBackend(deps.env);
  const stackFile = readIfExists(join(deps.root, stackFileName(stack)));
  const all: Problem[] = [...problems, ...checkSecretsProvider(stack, stackFile, backend, deps.env)];
  if (backend === undefined || all.length > 0) return { backend, outcome: { kind: "not run", problems: all }, code: 1 };
  const options = { cwd: deps.root, env: childEnv(deps.env) };
  const steps: [Step, string[]][] = [
    ["pulumi login", ["login", "--non-interactive", backend.url]],
    ["pulumi stack select", ["stack", "select", "--non-interactive", stack]],
    [
      command === "preview" ? "pulumi preview" : "pulumi up",
      command === "preview" ? ["preview", ...operationFlags(stack)] : ["up", "--yes", ...operationFlags(stack)],
    ],
  ];
  let last = { code: 0, output: "" };
  for (const [step, args] of steps) {
    deps.stdout(`\n$ pulumi ${args.join(" ")}\n`);
    last = await deps.exec(deps.pulumi, args, options);
    if (last.code !== 0) return { backend, outcome: { kind: "failed", step, code: last.code, output: last.output }, code: last.code };
  }
  return { backend, outcome: { kind: "succeeded", output: last.output }, code: 0 };
}

export async function impact(
  options: { config: string; baseConfig: string; baseRef: string },
  deps: Deps,
): Promise<{ outcome: ImpactOutcome; code: number }> {
  const head = readIfExists(resolve(deps.root, options.config));
  const base = readIfExists(resolve(deps.root, options.baseConfig));
  if (head === undefined || base === undefined) {
    return {
      outcome: { kind: "no config", missingOn: head === undefined && base === undefined ? "both" : head === undefined ? "head" : "base" },
      code: 0,
    };
  }
  if (head === base) return { outcome: { kind: "config unchanged" }, code: 0 };
  const result = await deps.exec("npm", ["run", "--silent", "plan", "--", "--config", options.config, "--compare", options.baseConfig], {
    cwd: deps.root,
    env: childEnv(deps.env),
  });
  return { outcome: { kind: "report", code: result.code, output: result.output }, code: result.code };
}

interface Parsed {
  command: string;
  values: Record<string, string | undefined>;
}

const commands: Record<string, { required: string[]; optional: string[] }> = {
  "cli-version": { required: [], optional: [] },
  preview: { required: ["stack", "comment-file"], optional: [] },
  up: { required: ["stack"], optional: ["comment-file"] },
  impact: { required: ["config", "base-config", "base-ref", "comment-file"], optional: [] },
  comment: { required: ["comment-file"], optional: [] },
};

export function parseCommand(argv: string[]): Parsed {
  const [command, ...rest] = argv;
  const spec = command === undefined ? undefined : commands[command];
  if (command === undefined || spec === undefined) throw new UsageError(`give one of: ${Object.keys(commands).join(", ")}`);
  const values: Record<string, string | undefined> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i] ?? "";
    const name = flag.replace(/^--/, "");
    const value = rest[i + 1];
    if (!flag.startsWith("--") || ![...spec.required, ...spec.optional].includes(name))
      throw new UsageError(`${command}: unknown argument ${flag}`);
    if (value === undefined || value.startsWith("--") || value === "") throw new UsageError(`${command}: ${flag} needs a value`);
    values[name] = value;
  }
  const missing = spec.required.filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`${command}: missing ${missing.map((m) => `--${m}`).join(", ")}`);
  return { command, values };
}

/** The comment's marker: its first line, which comment.ts writes. */
function markerOf(body: string): string {
  const first = body.split("\n", 1)[0] ?? "";
  if (!/^<!-- homelab-ci:[^>]* -->$/.test(first)) throw new UsageError("the comment file does not start with a homelab-ci marker");
  return first;
}

/** Runs one command; resolves to the exit status. */
export async function main(argv: string[], deps: Deps): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.stdout(`scripts/ci/pulumi.ts: ${error.message}\n`);
    return 2;
  }
  const value = (name: string) => parsed.values[name] ?? "";
  const commentFile = parsed.values["comment-file"];
  switch (parsed.command) {
    case "cli-version":
      deps.stdout(`version=${pulumiCliVersion(deps.root)}\n`);
      return 0;
    case "preview":
    case "up": {
      const command = parsed.command;
      const stack = value("stack");
      const run = runOf(deps.env);
      // Written first, so a step that is cancelled or times out still has a true comment to post.
      if (commentFile !== undefined)
        writeFileSync(
          resolve(deps.root, commentFile),
          operationComment(command, stack, "the configured backend", run, { kind: "stopped" }),
        );
      const { backend, outcome, code } = await operate(command, stack, deps);
      record(deps, commentFile, operationComment(command, stack, describeBackend(backend), run, outcome));
      return code;
    }
    case "impact": {
      const { outcome, code } = await impact(
        { config: value("config"), baseConfig: value("base-config"), baseRef: value("base-ref") },
        deps,
      );
      record(deps, commentFile, impactComment(value("config"), value("base-ref"), runOf(deps.env), outcome));
      return code;
    }
    case "comment": {
      const token = deps.env["GITHUB_TOKEN"];
      const repository = deps.env["GITHUB_REPOSITORY"];
      const number = deps.env["PR_NUMBER"] ?? "";
      const branch = deps.env["HEAD_BRANCH"] ?? "";
      if (!token || !repository || (number === "" && branch === "")) {
        deps.stdout("comment: needs GITHUB_TOKEN, GITHUB_REPOSITORY, and PR_NUMBER or HEAD_BRANCH\n");
        return 2;
      }
      const body = readFileSync(resolve(deps.root, value("comment-file")), "utf8");
      const repo = { api: deps.env["GITHUB_API_URL"] ?? "https://api.github.com", repository, token };
      const pr = number !== "" ? Number(number) : await pullRequestOf(repo, branch, deps.fetch);
      if (pr === undefined) {
        deps.stdout(`comment: no open pull request has the branch ${branch} as its head; the job summary has the comment\n`);
        return 0;
      }
      if (!Number.isInteger(pr) || pr <= 0) {
        deps.stdout(`comment: PR_NUMBER ${number} is not a pull request number\n`);
        return 2;
      }
      const done = await upsertComment({ ...repo, pullRequest: pr }, markerOf(body), body, deps.fetch);
      deps.stdout(`comment ${done} on pull request ${pr}\n`);
      return 0;
    }
    default:
      throw new Error(`unhandled command ${parsed.command}`);
  }
}
