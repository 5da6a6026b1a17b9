/**
 * The first step of `npm test` (tools/build.ts): a machine without a tool the tests need stops
 * at once, one line per missing tool naming it and how to install it, before any build or test.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { toolVersions } from "../../components/lib/versions";

const root = join(__dirname, "..", "..");
const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs");
const bins: string[] = [];
afterAll(() => {
  for (const dir of bins) rmSync(dir, { recursive: true, force: true });
});

/** A PATH holding only node and the given fake commands (`name` → what it prints). */
function pathWith(fakes: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "preflight-bin-"));
  bins.push(dir);
  symlinkSync(process.execPath, join(dir, "node"));
  for (const [name, output] of Object.entries(fakes)) {
    writeFileSync(join(dir, name), `#!/bin/sh\nprintf '%s\\n' '${output}'\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

function runBuild(path: string) {
  const run = spawnSync(process.execPath, [tsx, "tools/build.ts"], {
    cwd: root,
    env: { PATH: path, HOME: process.env["HOME"], HOMELAB_TOOLS_CACHE: join(tmpdir(), "preflight-never-built") },
    encoding: "utf8",
  });
  return { status: run.status, stdout: run.stdout, lines: run.stderr.trim().split("\n") };
}

describe("the tool preflight", () => {
  it("names every missing tool, one line each with its install line, and builds nothing", () => {
    const { status, stdout, lines } = runBuild(pathWith({}));
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^missing tool: go >= ${toolVersions.go.replace(/\./g, "\\.")} \\(not found\\): install Go .*https://go\\.dev/dl/`),
      ),
      "missing tool: openssl (not found): apt-get install openssl",
      "missing tool: age (not found): apt-get install age",
      "missing tool: age-keygen (not found): apt-get install age (it ships age-keygen)",
      expect.stringMatching(
        /^missing tool: kubectl with kustomize v5 \(not found\): install the kubectl package of the Kubernetes apt repository/,
      ),
    ]);
  });

  it("refuses a Go older than the tools need and a kubectl without kustomize v5, and nothing else", () => {
    const { status, lines } = runBuild(
      pathWith({
        go: "go1.22.4",
        openssl: "OpenSSL 3.5.1",
        age: "1.1.1",
        "age-keygen": "1.1.1",
        kubectl: "Client Version: v1.24.0\nKustomize Version: v4.5.4",
      }),
    );
    expect(status).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^missing tool: go >= \S+ \(this is go1\.22\.4\): /),
      expect.stringMatching(/^missing tool: kubectl with kustomize v5 \(its kustomize is not v5\): /),
    ]);
  });
});
