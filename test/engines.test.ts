/**
 * The Node versions package.json (`engines`) and README.md promise are ones every locked package
 * accepts: a Node the project claims to support must be able to run `npm ci` and `npm test`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { subset } from "semver";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");

interface Manifest {
  engines?: { node?: string };
}

describe("supported Node versions", () => {
  const range = (JSON.parse(read("package.json")) as Manifest).engines?.node ?? "";

  it("are accepted by every package in the lockfile", () => {
    const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, Manifest> };
    const refused = Object.entries(lock.packages)
      .filter(([path, pkg]) => path !== "" && pkg.engines?.node !== undefined && !subset(range, pkg.engines.node))
      .map(([path, pkg]) => `${path}: ${pkg.engines?.node ?? ""}`);
    expect(refused).toEqual([]);
  });

  it("are the ones README.md states", () => {
    expect(read("README.md")).toContain(`(\`engines\` in package.json: \`${range}\`)`);
  });
});
