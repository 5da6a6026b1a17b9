/** The doctor's flux source check on real git clones: what Flux will sync is pushed, on the branch, at the path. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { checkFluxSource, repositoryOf } from "../../scripts/doctor/flux";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const url = "https://github.com/example/homelab-gitops.git";

/** A bare "origin" and a clone of it whose origin URL is flux.url, with clusters/homelab pushed on main. */
function clone(): string {
  const root = mkdtempSync(join(tmpdir(), "flux-source-"));
  dirs.push(root);
  const origin = join(root, "origin.git");
  git(root, "init", "-q", "--bare", "-b", "main", origin);
  const work = join(root, "work");
  git(root, "clone", "-q", origin, work);
  for (const args of [
    ["config", "user.email", "t@example.lan"],
    ["config", "user.name", "t"],
    ["checkout", "-q", "-b", "main"],
  ])
    git(work, ...args);
  mkdirSync(join(work, "clusters", "homelab"), { recursive: true });
  writeFileSync(join(work, "clusters", "homelab", "kustomization.yaml"), "resources: []\n");
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "root");
  git(work, "push", "-q", "origin", "main");
  // What Flux is told to sync is the public URL; the clone's origin must name the same repository.
  git(work, "remote", "set-url", "origin", "git@github.com:example/homelab-gitops.git");
  git(work, "config", "remote.origin.pushurl", origin);
  return work;
}

const flux = { url, branch: "main", path: "clusters/homelab" };

describe("flux source", () => {
  it("passes when the branch and path are on origin and nothing is left unpushed", async () => {
    const result = await checkFluxSource(flux, clone());
    expect(result).toMatchObject({ name: "flux source", ok: true });
  });

  it("names a wrong path, a branch not on origin, and unpushed commits", async () => {
    const work = clone();
    expect((await checkFluxSource({ ...flux, path: "./clusters/lab" }, work)).detail).toBe("origin/main has no directory clusters/lab");
    expect((await checkFluxSource({ ...flux, branch: "live" }, work)).detail).toBe("branch live is not on origin (as of the last fetch)");
    writeFileSync(join(work, "clusters", "homelab", "app.yaml"), "kind: ConfigMap\n");
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", "unpushed");
    expect(await checkFluxSource(flux, work)).toMatchObject({
      ok: false,
      detail: "main has 1 commit not pushed to origin; Flux syncs only what is pushed",
      fix: "`git push origin main`",
    });
  });

  it("names a clone of another repository, and a directory that is no clone", async () => {
    const work = clone();
    const other = await checkFluxSource({ ...flux, url: "ssh://git@github.com/example/other.git" }, work);
    expect(other.detail).toBe(
      `${work} is not a clone of flux.url ssh://git@github.com/example/other.git: its origin is git@github.com:example/homelab-gitops.git`,
    );
    const plain = mkdtempSync(join(tmpdir(), "not-a-clone-"));
    dirs.push(plain);
    expect((await checkFluxSource(flux, plain)).detail).toBe(`${plain} is not a Git clone`);
  });

  it("compares repositories across URL forms", () => {
    const same = [
      "https://github.com/Example/homelab-gitops.git",
      "ssh://git@github.com/example/homelab-gitops",
      "git@github.com:example/homelab-gitops.git",
    ];
    expect(new Set(same.map(repositoryOf))).toEqual(new Set(["github.com/example/homelab-gitops"]));
    expect(repositoryOf("ssh://git@git.example.lan:2222/homelab/gitops.git")).toBe("git.example.lan/homelab/gitops");
  });
});
