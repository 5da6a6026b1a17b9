/**
 * Every script a user runs (plan, bench, doctor) has --help, and answers a bad
 * argument with one line and a non-zero exit, never a stack trace. Run as the
 * user runs them, through tsx.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

import { describe, expect, it } from "vitest";

const root = join(__dirname, "..");
const tsx = join(root, "node_modules", ".bin", "tsx");

async function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(tsx, [join(root, "scripts", `${script}.ts`), ...args], { cwd: root, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: unknown) => error as { code: number; stdout: string; stderr: string },
  );
}

describe.each(["plan", "bench", "doctor"])("npm run %s", (script) => {
  it("--help prints the usage and exits 0", async () => {
    const { code, stdout } = await run(script, ["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: npm run ${script}`));
  }, 60_000);

  it("an unknown option: one line naming it, exit 2, no stack trace", async () => {
    const { code, stdout, stderr } = await run(script, ["--no-such-option"]);
    expect(code).toBe(2);
    const output = `${stdout}${stderr}`.trim().split("\n");
    expect(output).toEqual([`${script}: Unknown option '--no-such-option' (see --help)`]);
  }, 60_000);
});

it("npm run plan with a missing --config file: one line, exit 2", async () => {
  const { code, stderr } = await run("plan", ["--config", "no-such-stack.yaml"]);
  expect(code).toBe(2);
  expect(stderr.trim().split("\n").at(-1)).toMatch(/^plan: cannot read the stack file .*no-such-stack\.yaml \(ENOENT\)$/);
  expect(stderr).not.toMatch(/\n\s+at /);
}, 60_000);

it("npm run bench with a non-numeric --repeats: one line, exit 2", async () => {
  const { code, stderr } = await run("bench", ["--repeats", "two"]);
  expect(code).toBe(2);
  expect(stderr.trim().split("\n")).toEqual(['bench: --repeats takes a whole number from 1 to 100, not "two" (see --help)']);
}, 60_000);
