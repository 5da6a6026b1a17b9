/**
 * What Flux will sync, checked in the local clone: `pulumi up` no longer waits for the sync
 * (the FluxInstance has `spec.wait: false`), so an unpushed branch, a wrong branch or a wrong
 * path would only show later in the FluxReport. This finds them before `up`, from the clone's
 * remote-tracking branch (as of its last `git fetch`).
 */
import type { Settings } from "../../components/config";
import { type CommandRunner, execRunner } from "./pulumi";
import { type CheckResult, fail, pass } from "./types";

const name = "flux source";

/** `host/owner/repo` of a Git URL in any form git accepts, to compare the clone's origin with flux.url. */
export function repositoryOf(url: string): string {
  const scp = /^[^/@]+@([^:/]+):(.+)$/.exec(url);
  const [host, path] = scp
    ? [scp[1] ?? "", scp[2] ?? ""]
    : (() => {
        try {
          const parsed = new URL(url);
          return [parsed.hostname, parsed.pathname];
        } catch {
          return ["", url];
        }
      })();
  return `${host}/${path
    .replace(/^\/+/, "")
    .replace(/\.git$/, "")
    .replace(/\/+$/, "")}`.toLowerCase();
}

export async function checkFluxSource(flux: Settings["flux"], checkout: string, run: CommandRunner = execRunner): Promise<CheckResult> {
  const git = async (...args: string[]) => {
    const result = await run("git", ["-C", checkout, ...args], { timeoutMs: 10_000 });
    return result.kind === "exited" ? result : { kind: result.kind, code: -1, stdout: "", stderr: "" };
  };
  const inside = await git("rev-parse", "--is-inside-work-tree");
  if (inside.kind === "missing") return fail(name, "git is not installed", "install git, or unset homelab:flux.localCheckout");
  if (inside.code !== 0) {
    return fail(name, `${checkout} is not a Git clone`, `point homelab:flux.localCheckout at a clone of ${flux.url}`);
  }
  const origin = await git("remote", "get-url", "origin");
  if (origin.code !== 0 || repositoryOf(origin.stdout.trim()) !== repositoryOf(flux.url)) {
    const found = origin.code === 0 ? `its origin is ${origin.stdout.trim()}` : "it has no origin remote";
    return fail(
      name,
      `${checkout} is not a clone of flux.url ${flux.url}: ${found}`,
      "clone the repository Flux syncs, or fix homelab:flux.url",
    );
  }
  const remote = `origin/${flux.branch}`;
  if ((await git("rev-parse", "--verify", "--quiet", `refs/remotes/${remote}^{commit}`)).code !== 0) {
    return fail(
      name,
      `branch ${flux.branch} is not on origin (as of the last fetch)`,
      `push it (\`git push -u origin ${flux.branch}\`) or fix homelab:flux.branch`,
    );
  }
  const path = flux.path.replace(/^\.\//, "").replace(/\/$/, "");
  const tree = await git("ls-tree", "--name-only", remote, "--", `${path}/`);
  if (tree.code !== 0 || tree.stdout.trim() === "") {
    return fail(name, `${remote} has no directory ${path}`, "push the directory, or fix homelab:flux.path");
  }
  const head = await git("symbolic-ref", "--quiet", "--short", "HEAD");
  if (head.code === 0 && head.stdout.trim() === flux.branch) {
    const ahead = await git("rev-list", "--count", `${remote}..HEAD`);
    const count = Number(ahead.stdout.trim());
    if (ahead.code === 0 && count > 0) {
      return fail(
        name,
        `${flux.branch} has ${count} commit${count === 1 ? "" : "s"} not pushed to origin; Flux syncs only what is pushed`,
        `\`git push origin ${flux.branch}\``,
      );
    }
  }
  return pass(name, `${remote} has ${path}/ (as of the last fetch); the sync state after \`up\`: pulumi stack output fluxSync`);
}
