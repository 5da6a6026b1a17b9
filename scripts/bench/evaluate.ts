/**
 * One evaluation of the whole program the way `npm run plan` does it, in a
 * fresh process: read the stack config, evaluate index.ts under the mock
 * runtime. Prints the milliseconds since this process started (Node's
 * timeOrigin), for `npm run bench` to set beside a bare import of the SDKs.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

import { exampleStackFile } from "../../components/config";
import { runProgram } from "../../offline/harness";
import { readStackConfig } from "../plan/stack-config";

async function main(): Promise<void> {
  const file = process.argv[2] ?? (existsSync("Pulumi.homelab.yaml") ? "Pulumi.homelab.yaml" : exampleStackFile);
  const offline = await readStackConfig(resolve(file));
  await runProgram({ config: offline.config, secretKeys: offline.secretKeys });
  const cpu = process.cpuUsage();
  process.stdout.write(`${performance.now().toFixed(0)} ${((cpu.user + cpu.system) / 1000).toFixed(0)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
