/**
 * `pulumi up` loads index.ts through the project's ts-node and tsconfig, in
 * type-checking or transpile-only mode (PULUMI_NODEJS_TRANSPILE_ONLY). Both
 * must load the program and the local Talos binding, or the first real run
 * fails on the user's machine instead of here.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");

function load(transpileOnly: boolean): string {
  const script = `
    require("ts-node").register({ project: "tsconfig.json", transpileOnly: ${transpileOnly} });
    const program = require("./index.ts");
    const talos = require("@pulumiverse/talos");
    process.stdout.write(JSON.stringify({ program: typeof program, talos: Object.keys(talos).sort() }));
  `;
  return execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", timeout: 120_000 });
}

describe("loading index.ts the way the Pulumi CLI does", () => {
  it.each([false, true])(
    "ts-node with transpileOnly=%s loads the program as a function",
    (transpileOnly) => {
      expect(JSON.parse(load(transpileOnly))).toEqual({
        program: "function",
        talos: ["client", "cluster", "imagefactory", "machine", "types"],
      });
    },
    120_000,
  );
});
