/**
 * `npm run bench`: the evaluation/import ratio (scripts/bench/ratio.ts), then
 * 1, 3, 5 and 10-node configs evaluated under the mock runtime with resources,
 * evaluation time and the modelled critical path, each against the 1-node
 * figures. Not part of the test run.
 *
 *   npm run bench                              # everything, 5 repeats
 *   npm run bench -- --ratio-only --repeats 3
 *
 * Targets: evaluation within 2x the bare import of the SDKs; the critical path
 * grows by under 10% from 1 to 10 nodes (nodes are built in parallel);
 * evaluation time grows at most linearly with nodes.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

import { connectSecrets, generateSecrets, multiNodeSettings, singleNodeSettings, stackConfig } from "../offline/fixtures";
import { runProgram } from "../offline/harness";
import { measureRatio, ratioReport } from "./bench/ratio";
import { latencyModel } from "./plan/latency";
import { estimate } from "./plan/report";

const usage = `Usage: npm run bench -- [options]

The evaluation/import ratio, then 1, 3, 5 and 10-node configs evaluated under
Pulumi's mock runtime: resources, evaluation time and the modelled critical
path, each against the 1-node figures.

Options:
  --repeats <n>    runs per measurement, a whole number from 1 to 100 (default: 5)
  --ratio-only     measure only the evaluation/import ratio
  -h, --help       show this help
`;

/** The command line; a bad argument exits 2 with one line, --help prints the usage. */
function parseBenchArgs(argv: string[]): { ratioOnly: boolean; repeats: number } {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        "ratio-only": { type: "boolean", default: false },
        repeats: { type: "string", default: "5" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      process.stdout.write(usage);
      process.exit(0);
    }
    const repeats = Number(values.repeats);
    if (!/^\d+$/.test(values.repeats) || repeats < 1 || repeats > 100) {
      throw new Error(`--repeats takes a whole number from 1 to 100, not ${JSON.stringify(values.repeats)}`);
    }
    return { ratioOnly: values["ratio-only"], repeats };
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message} (see --help)\n`);
    process.exit(2);
  }
}

const args = parseBenchArgs(process.argv.slice(2));
const sizes = [1, 3, 5, 10];
const { repeats } = args;

interface Row {
  nodes: number;
  resources: number;
  evaluationMs: number;
  criticalPathSeconds: number;
}

async function measure(nodes: number): Promise<Row> {
  const secrets = connectSecrets(await generateSecrets());
  const stack = stackConfig(nodes === 1 ? singleNodeSettings() : multiNodeSettings(nodes), secrets);
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof runProgram>> | undefined;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    last = await runProgram(stack);
    times.push(performance.now() - started);
  }
  if (last === undefined) throw new Error("no run");
  times.sort((a, b) => a - b);
  return {
    nodes,
    resources: last.registrations.filter((r) => r.custom).length,
    evaluationMs: times[Math.floor(times.length / 2)] ?? 0,
    criticalPathSeconds: estimate(last, latencyModel, "connect").criticalPathSeconds,
  };
}

async function main(): Promise<void> {
  process.stderr.write("Evaluating the single-node fixture of offline/fixtures.ts (and larger ones made from it), not your stack file.\n");
  process.stderr.write(`▸ evaluation and import, ${repeats} fresh processes each … `);
  const { evaluation, imports } = await measureRatio(repeats);
  process.stderr.write("done\n");
  console.log(ratioReport(evaluation, imports).join("\n"));
  if (args.ratioOnly) return;
  console.log("");
  await measure(1); // warm-up: module loading and JIT
  const rows: Row[] = [];
  for (const nodes of sizes) {
    process.stderr.write(`▸ ${nodes} node${nodes > 1 ? "s" : ""} … `);
    rows.push(await measure(nodes));
    process.stderr.write("done\n");
  }
  const base = rows[0] as Row;
  const header = ["nodes", "resources", "eval ms (median)", "× 1-node", "per node × 1-node", "critical path", "× 1-node"];
  const table = rows.map((r) => [
    String(r.nodes),
    String(r.resources),
    r.evaluationMs.toFixed(0),
    (r.evaluationMs / base.evaluationMs).toFixed(2),
    (r.evaluationMs / r.nodes / base.evaluationMs).toFixed(2),
    `${(r.criticalPathSeconds / 60).toFixed(1)} min`,
    (r.criticalPathSeconds / base.criticalPathSeconds).toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? "").length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ");
  console.log(format(header));
  for (const row of table) console.log(format(row));
  const ten = rows[rows.length - 1] as Row;
  const growth = ten.criticalPathSeconds / base.criticalPathSeconds - 1;
  console.log(`\ncritical path 1 -> ${ten.nodes} nodes: +${(growth * 100).toFixed(1)}% (target < 10%) ${growth < 0.1 ? "ok" : "MISSED"}`);
  const perNode = ten.evaluationMs / ten.nodes / base.evaluationMs;
  console.log(
    `evaluation time per node at ${ten.nodes} nodes: ${perNode.toFixed(2)} × the 1-node run (at most linear when <= 1) ${perNode <= 1 ? "ok" : "MISSED"}`,
  );
}

main().catch((error: unknown) => {
  // One line, the cause first: a failed evaluation process reports its own message on its stderr.
  const stderr = (error as { stderr?: unknown }).stderr;
  const detail = typeof stderr === "string" && stderr.trim() !== "" ? stderr.trim().split("\n")[0] : undefined;
  process.stderr.write(`\nbench: ${detail ?? (error instanceof Error ? error.message.split("\n")[0] : String(error))}\n`);
  process.exit(1);
});
