/**
 * `npm run doctor`: preflight checks before `pulumi up` (docs/doctor.md).
 * The checks live in scripts/doctor/; this entry only wires them to the process.
 */
import { resolve } from "node:path";

import { main } from "./doctor/run";

main(process.argv.slice(2), { projectRoot: resolve(__dirname, "..") }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`doctor crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
