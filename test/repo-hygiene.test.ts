/**
 * Files the docs have you create inside this checkout that hold credentials are git-ignored
 * (so `git add -A` cannot commit them) and, through the same file, skipped by `prettier --check`
 * (Prettier 3 reads .gitignore), so `npm test` stays green after following the README; and
 * the README's set-up section names every tool the tests need.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

const root = join(__dirname, "..");
const docs = ["README.md", "gitops/README.md", ...readdirSync(join(root, "docs")).map((f) => `docs/${f}`)];

/** Names the docs' commands write: `-o <file>.key`, `> kubeconfig`, `base64 -w0 <file>`, `-f <deploy key>`. */
function writtenFiles(): Set<string> {
  const names = new Set<string>();
  const patterns = [
    /-o ([\w.-]+\.key)\b/g,
    /> (kubeconfig|talosconfig|stack\.json)\b/g,
    /base64 -w0 ([\w.-]+)/g,
    /ssh-keygen [^\n]*-f ([\w.-]+)/g,
  ];
  for (const doc of docs) {
    const text = readFileSync(join(root, doc), "utf8");
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) names.add(match[1] ?? "");
  }
  return names;
}

/** Whether a file at the top of the checkout matches a .gitignore line without a slash (`*` globs). */
function ignored(name: string, lines: string[]): boolean {
  return lines.some((line) => {
    if (line === "" || line.startsWith("#") || line.startsWith("!") || line.includes("/")) return false;
    const glob = new RegExp(`^${line.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
    return glob.test(name);
  });
}

describe("credential files the docs have you write", () => {
  it("are git-ignored in the checkout", () => {
    const lines = readFileSync(join(root, ".gitignore"), "utf8")
      .split("\n")
      .map((l) => l.trim());
    const names = [...writtenFiles()];
    expect(names).toEqual(
      expect.arrayContaining(["age.key", "kubeconfig", "talosconfig", "1password-credentials.json", "stack.json", "deploy-key"]),
    );
    expect(names.filter((name) => !ignored(name, lines))).toEqual([]);
  });
});

describe("README.md's set-up section", () => {
  it("names every command-line tool .ci/run installs for the tests", () => {
    const run = readFileSync(join(root, ".ci", "run"), "utf8");
    const tools = [...run.matchAll(/apt-get install -y -qq ([\w"$-]+)/g)].map((m) => m[1] ?? "");
    const looped = /for tool in ([\w ]+); do/.exec(run)?.[1]?.split(" ") ?? [];
    const installed = [...tools.filter((t) => !t.includes("$")), ...looped];
    expect(installed).toEqual(expect.arrayContaining(["openssl", "kubectl", "age"]));
    const setup = /## Set up and test[\s\S]*?\n## /.exec(readFileSync(join(root, "README.md"), "utf8"))?.[0] ?? "";
    expect(installed.filter((tool) => !setup.includes(`\`${tool}\``))).toEqual([]);
  });
});
