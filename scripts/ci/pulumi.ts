/** The CI's one script (scripts/ci/run.ts says what each command does; docs/ci.md how the workflow uses it). */
import { resolve } from "node:path";

import { teeExec } from "./exec";
import { main } from "./run";

const write = (text: string) => process.stdout.write(text);

main(process.argv.slice(2), {
  root: resolve(__dirname, "..", ".."),
  env: process.env,
  exec: teeExec(write),
  fetch: (url, init) => fetch(url, init),
  pulumi: "pulumi",
  stdout: write,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`scripts/ci/pulumi.ts crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 3;
  },
);
