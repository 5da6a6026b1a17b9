/**
 * `npm run plan`: evaluates the real program offline (Pulumi's mock runtime,
 * no Proxmox, no CLI, no network) with a stack config, and shows what
 * `pulumi up` would build, in what order, and how long it would take.
 * The command lives in scripts/plan/cli.ts; `npm run plan -- --help` lists the options.
 *
 *   npm run plan                                  # Pulumi.homelab.yaml (else the example), documents to out/
 *   npm run plan -- --config Pulumi.other.yaml --out /tmp/plan --latency timings.json
 *   npm run plan -- --compare Pulumi.old.yaml     # what changing to --config does (scripts/plan/impact.ts)
 *   npm run plan -- --compare-last                # ... since the last successful plan
 *
 * package.json launches it with `node --require <the four Pulumi SDKs> --require tsx/cjs`:
 * the SDKs (some thousand CommonJS files) load on Node's own loader before tsx's
 * hook is installed, which would otherwise lex and resolve each of them again;
 * only the project's own TypeScript goes through tsx. `npm run bench` measures
 * the evaluation with exactly this command (scripts/bench/ratio.ts).
 */
import { resolve } from "node:path";

import { main } from "./plan/cli";

main(process.argv.slice(2), { projectRoot: resolve(__dirname, "..") }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`\nplan crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 3;
  },
);
