/**
 * The Pulumi CLI the CI installs: the version of the locked `@pulumi/pulumi` SDK (the CLI and the Node.js SDK
 * are released together from pulumi/pulumi under one version), refused when older than the engine the
 * program needs (MIN_PULUMI_CLI, derived by the doctor from the resource options the program sets).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { MIN_PULUMI_CLI, parseVersion } from "../doctor/pulumi";

const compare = (a: string, b: string): number => {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  if (x === undefined || y === undefined) throw new Error(`not a version: ${x === undefined ? a : b}`);
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
};

export function pulumiCliVersion(root: string): string {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages?: Record<string, { version?: string }> };
  const version = lock.packages?.["node_modules/@pulumi/pulumi"]?.version;
  if (version === undefined) throw new Error("package-lock.json locks no @pulumi/pulumi");
  if (compare(version, MIN_PULUMI_CLI) < 0) {
    throw new Error(
      `the locked @pulumi/pulumi ${version} is older than ${MIN_PULUMI_CLI}, the oldest CLI whose engine runs this program (scripts/doctor/pulumi.ts)`,
    );
  }
  return version;
}
