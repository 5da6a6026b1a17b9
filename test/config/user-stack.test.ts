/**
 * The user's stack file (Pulumi.<stack>.yaml, made from Pulumi.example.yaml) is
 * theirs: whatever valid values and `secure:` secrets it holds, `npm test` and
 * CI must not depend on it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

import * as prettier from "prettier";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "__snapshots__" ? [] : sources(path);
    return /\.(ts|mjs|json|yaml)$/.test(entry.name) ? [path] : [];
  });
}

/** The file name as a string of its own, as a path is written (a workflow's command line that names it is not a read). */
const pathLiteral = /["'`]Pulumi\.homelab\.yaml["'`]/;

describe("the user's stack file", () => {
  it("is read by no test, fixture or offline helper (they use Pulumi.example.yaml or their own temporary files)", () => {
    const readers = [...sources(join(root, "test")), ...sources(join(root, "offline"))]
      .filter((path) => path !== __filename)
      .filter((path) => pathLiteral.test(readFileSync(path, "utf8")))
      .map((path) => relative(root, path));
    expect(readers).toEqual([]);
  });

  it("is left alone by the formatting check, which still covers the example", async () => {
    const ignorePath = join(root, ".prettierignore");
    const ignored = async (name: string) => (await prettier.getFileInfo(join(root, name), { ignorePath })).ignored;
    expect(await ignored("Pulumi.homelab.yaml")).toBe(true);
    expect(await ignored("Pulumi.lab2.yaml")).toBe(true);
    expect(await ignored("Pulumi.example.yaml")).toBe(false);
    expect(await ignored("Pulumi.yaml")).toBe(false);
  });
});
