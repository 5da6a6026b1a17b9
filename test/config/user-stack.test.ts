/**
 * Pulumi.homelab.yaml is the project's stack file: shipped with example values, then the user's to
 * edit (`pulumi stack init` and `pulumi config set` write into it). Whatever it holds, `npm test` and
 * CI must not depend on it, and nothing may point at a second copy of it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { namespace, stackFile } from "../../components/config";

const root = join(__dirname, "..", "..");

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ["node_modules", "__snapshots__", ".git", "out"].includes(entry.name) ? [] : files(path, pattern);
    return pattern.test(entry.name) ? [path] : [];
  });
}

/**
 * The file name as a string of its own passed to a path or file function: a read (a message or a
 * workflow's command line that names it is not).
 */
const pathLiteral = /\b(join|resolve|readFileSync|readFile|existsSync|statSync|copyFileSync|cpSync)\([^)]*["'`]Pulumi\.homelab\.yaml["'`]/;

describe("the stack file", () => {
  it("is read by no test, fixture or offline helper (they write their own: test/support/stack-file.ts)", () => {
    expect(pathLiteral.test(`readFileSync(join(root, "Pulumi.homelab.yaml"), "utf8")`)).toBe(true);
    expect(pathLiteral.test(`expect(name).toBe("Pulumi.homelab.yaml")`)).toBe(false);
    const readers = [...files(join(root, "test"), /\.(ts|mjs|json|yaml)$/), ...files(join(root, "offline"), /\.(ts|mjs|json|yaml)$/)]
      .filter((path) => path !== __filename)
      .filter((path) => {
        const text = readFileSync(path, "utf8");
        // A test whose `root` is a temporary directory writes its own stack file there.
        return pathLiteral.test(text) && !/\broot = mkdtempSync\(/.test(text);
      })
      .map((path) => relative(root, path));
    expect(readers).toEqual([]);
  });

  it("is a file of the project: neither git nor the formatting check hides it; other stacks' files stay the user's", async () => {
    expect(stackFile).toBe("Pulumi.homelab.yaml");
    expect(existsSync(join(root, stackFile))).toBe(true);
    const ignorePath = join(root, ".prettierignore");
    const ignored = async (name: string) => (await prettier.getFileInfo(join(root, name), { ignorePath })).ignored;
    expect(await ignored(stackFile)).toBe(false);
    expect(await ignored("Pulumi.yaml")).toBe(false);
    expect(await ignored("Pulumi.lab2.yaml")).toBe(true);
    const gitignore = readFileSync(join(root, ".gitignore"), "utf8");
    expect(gitignore.split("\n").filter((line) => /^[^#]*Pulumi/.test(line))).toEqual([]);
  });

  it("has one copy: no file of the project names another example stack file", () => {
    const mentions = files(root, /\.(ts|md|yaml|yml|json|mjs|sh)$|^\.(prettierignore|gitignore)$|^run$/)
      .filter((path) => path !== __filename)
      .filter((path) => /Pulumi\.example\.yaml|cp Pulumi\.\w+\.yaml Pulumi\.homelab\.yaml/.test(readFileSync(path, "utf8")))
      .map((path) => relative(root, path));
    expect(mentions).toEqual([]);
  });
});

describe("Pulumi.yaml", () => {
  it("declares the homelab project as a TypeScript program with index.ts as entry", () => {
    const project = parseYaml(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
    expect(project).toMatchObject({ name: "homelab", main: "index.ts", runtime: { name: "nodejs", options: { typescript: true } } });
  });

  it("names the project as the program's config namespace: Pulumi puts keys without a prefix there", () => {
    const project = parseYaml(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { name: string };
    expect(project.name).toBe(namespace);
  });
});

describe("the shipped stack file in git", () => {
  it("is tracked (a fresh clone has it)", () => {
    let tracked: string;
    try {
      tracked = execFileSync("git", ["ls-files", "--", stackFile], { cwd: root, encoding: "utf8" });
    } catch {
      return; // not a git checkout (an unpacked archive): nothing to check
    }
    expect(tracked.trim()).toBe(stackFile);
  });
});
