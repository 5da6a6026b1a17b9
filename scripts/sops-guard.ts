/** `npm run sops-guard -- <dir>…`: the SOPS guardrail (scripts/sops-guard/cli.ts); this entry only wires it to the process. */
import { main } from "./sops-guard/cli";

main(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`), process.env["INIT_CWD"] ?? process.cwd()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sops-guard crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
