/**
 * One evaluation of the whole program the way `npm run plan` does it, in a
 * fresh process: evaluate index.ts under the mock runtime with the single-node
 * fixture (offline/fixtures.ts), as the rest of the bench does. It never reads
 * a stack file: Pulumi.homelab.yaml is the user's, and a benchmark must not
 * change with (or fail on) what they wrote there. Prints the milliseconds since
 * this process started (Node's timeOrigin), for `npm run bench` to set beside
 * a bare import of the SDKs.
 */
import { connectSecrets, generateSecrets, singleNodeSettings, stackConfig } from "../../offline/fixtures";
import { runProgram } from "../../offline/harness";

async function main(): Promise<void> {
  await runProgram(stackConfig(singleNodeSettings(), connectSecrets(await generateSecrets())));
  const cpu = process.cpuUsage();
  process.stdout.write(`${performance.now().toFixed(0)} ${((cpu.user + cpu.system) / 1000).toFixed(0)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench evaluation failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
