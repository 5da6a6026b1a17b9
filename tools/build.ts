/**
 * `npm run tools` (and the first step of `npm test`): stops at once, one line per missing tool,
 * when a command-line tool the tests need is missing; then builds each Go tool of
 * tools/registry.ts that is not in the cache yet, one progress line per tool. Go's own module
 * and build caches (GOMODCACHE, GOCACHE) are reused, so a rebuild after a version bump is quick.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import { missingTools } from "./preflight";
import { cacheRoot, repoRoot, type Tool, toolDir, toolKey, tools } from "./registry";

const shown = (path: string) => path.replace(homedir(), "~");

function goCommand(tool: Tool, out: string): { args: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  // -buildvcs=false: a module inside this checkout (or a git worktree of it) needs no VCS stamp.
  switch (tool.source.kind) {
    case "install":
      return {
        args: ["install", "-buildvcs=false", ...tool.source.packages.map((pkg) => `${pkg}@${tool.version()}`)],
        cwd: out,
        env: { ...process.env, GOBIN: out },
      };
    case "module":
      return {
        args: ["build", "-buildvcs=false", ...(tool.source.flags?.(tool.version()) ?? []), "-o", `${out}/`, ...tool.source.packages],
        cwd: join(repoRoot, tool.source.dir),
        env: process.env,
      };
  }
}

/** Builds one tool into a fresh directory renamed into place, so an interrupted build leaves no half-filled cache. */
function build(tool: Tool): boolean {
  const target = toolDir(tool);
  const label = `tools: ${tool.name} ${tool.version()} (${tool.purpose})`;
  if (tool.binaries.every((binary) => existsSync(join(target, binary)))) {
    console.log(`${label}: built, ${shown(target)}`);
    return true;
  }
  const scratch = join(cacheRoot(), `.building-${toolKey(tool)}-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const started = Date.now();
  process.stdout.write(`${label}: building with Go (first time only)… `);
  const { args, cwd, env } = goCommand(tool, scratch);
  const result = spawnSync("go", args, { cwd, env, encoding: "utf8", maxBuffer: 64 << 20 });
  const missing = tool.binaries.filter((binary) => !existsSync(join(scratch, binary)));
  if (result.status !== 0 || missing.length > 0) {
    console.log("failed");
    console.log(`${result.stdout}${result.stderr}`.trim().split("\n").slice(-30).join("\n"));
    console.log(`tools: \`go ${args.join(" ")}\` in ${cwd} failed${missing.length > 0 ? ` (no ${missing.join(", ")})` : ""}`);
    rmSync(scratch, { recursive: true, force: true });
    return false;
  }
  rmSync(target, { recursive: true, force: true });
  try {
    renameSync(scratch, target);
  } catch (error) {
    // Another run built the same key meanwhile: theirs is as good as ours.
    if (!existsSync(target)) throw error;
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`done in ${Math.round((Date.now() - started) / 1000)} s, ${shown(target)}`);
  return true;
}

function main(): number {
  const missing = missingTools(repoRoot);
  if (missing.length > 0) {
    for (const line of missing) console.error(line);
    return 1;
  }
  mkdirSync(cacheRoot(), { recursive: true });
  return tools.every(build) ? 0 : 1;
}

process.exitCode = main();
