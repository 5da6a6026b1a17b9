/**
 * Paths in the stack config (flux.localCheckout) are relative to the project
 * directory, the one holding Pulumi.yaml. Under `pulumi up` the Node.js
 * language host passes it as `--root-directory` (@pulumi/pulumi
 * cmd/run/index.js: "set the project root directory (location of Pulumi.yaml)"),
 * and the program reads it back with `pulumi.runtime.getRootDirectory()`. The
 * program, `npm run plan` (through offline/harness.ts) and the doctor all
 * resolve with this one function, so they agree on which directory is meant.
 */
import { isAbsolute, resolve } from "node:path";

export function resolveProjectPath(path: string, projectDir: string): string {
  return isAbsolute(path) ? path : resolve(projectDir, path);
}
