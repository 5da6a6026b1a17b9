/**
 * The SOPS guardrail as a command: every value sops would encrypt is `ENC[…]`, every Secret
 * value in an encrypted file is, every `*.sops.*` file is encrypted, and no plaintext
 * `kind: Secret` sits in Git. Needs no key, so it runs in a pre-commit hook and in CI.
 *
 * `npm run sops-guard -- <dir>…` here; bundled with its one dependency into the GitOps
 * template as `.github/sops-guard.cjs` (`npm run build:sops-guard`), which runs with plain
 * `node` and no node_modules.
 */
import { resolve } from "node:path";

import { sopsGuard } from "../../components/lib/sops";

export const usage = [
  "usage: sops-guard [directory…]",
  "",
  "Checks every SOPS file under each directory (default: the current one) without any key:",
  "plaintext values in encrypted files, *.sops.* files that are not encrypted, and plaintext",
  "kind: Secret manifests (*.example.yaml templates excepted). Exit 0 clean, 1 problems, 2 usage.",
].join("\n");

/** Resolves to the exit code: 0 clean, 1 problems found, 2 bad usage. */
export async function main(argv: string[], write: (line: string) => void, cwd: string): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    write(usage);
    return 0;
  }
  const unknown = argv.find((arg) => arg.startsWith("-"));
  if (unknown !== undefined) {
    write(`sops-guard: unknown option ${unknown}`);
    write(usage);
    return 2;
  }
  const dirs = argv.length > 0 ? argv : ["."];
  let failed = false;
  for (const dir of dirs) {
    let problems: string[];
    try {
      problems = await sopsGuard(resolve(cwd, dir));
    } catch (error) {
      write(`sops-guard: cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      return 2;
    }
    for (const problem of problems) write(problem);
    if (problems.length > 0) failed = true;
  }
  write(failed ? "sops-guard: FAILED; fix the files above before committing." : "sops-guard: ok, no plaintext secret found.");
  return failed ? 1 : 0;
}
