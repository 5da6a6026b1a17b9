/**
 * `npm run plan`: evaluates the real program offline (Pulumi's mock runtime,
 * no Proxmox, no CLI, no network) with a stack config, and shows what
 * `pulumi up` would build, in what order, and how long it would take.
 *
 *   npm run plan                                  # Pulumi.homelab.yaml (else the example), documents to out/
 *   npm run plan -- --config Pulumi.other.yaml --out /tmp/plan --latency timings.json
 *   npm run plan -- --compare Pulumi.old.yaml     # what changing to --config does (scripts/plan/impact.ts)
 *   npm run plan -- --compare-last                # ... since the last successful plan
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { ConfigError, exampleStackFile } from "../components/config";
import { runProgram } from "../offline/harness";
import { knownSecrets } from "../offline/secrets";
import { generatedDocuments } from "./plan/documents";
import { compareStackConfigs, impactReport, lastPlanConfig, recordLastPlan } from "./plan/impact";
import { type Latency, latencyModel } from "./plan/latency";
import { estimate, estimateReport, graphText, layerReport, mermaid } from "./plan/report";
import { readStackConfig } from "./plan/stack-config";

const { values: args } = parseArgs({
  options: {
    config: { type: "string" },
    out: { type: "string", default: "out" },
    latency: { type: "string" },
    compare: { type: "string" },
    "compare-last": { type: "boolean", default: false },
  },
});

/** The user's stack file; the example until they have made one (the note says so). */
const configFile = args.config ?? (existsSync("Pulumi.homelab.yaml") ? "Pulumi.homelab.yaml" : exampleStackFile);
if (args.config === undefined && configFile === exampleStackFile) {
  process.stderr.write(`No Pulumi.homelab.yaml yet: planning ${exampleStackFile} (copy it to Pulumi.homelab.yaml and edit the copy).\n`);
}

/** One line per step on stderr, so stdout stays the report. */
async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stderr.write(`▸ ${title} … `);
  try {
    const result = await work();
    process.stderr.write(`done (${Date.now() - started} ms)\n`);
    return result;
  } catch (error) {
    process.stderr.write("failed\n");
    throw error;
  }
}

async function compare(oldConfig: string): Promise<void> {
  const impact = await step(`evaluating ${oldConfig} and ${configFile}`, () =>
    compareStackConfigs(resolve(oldConfig), resolve(configFile)),
  );
  process.stdout.write(`${impactReport(impact, `Impact of changing ${oldConfig} to ${configFile}`).join("\n")}\n`);
  process.exitCode = impact.exitCode;
}

async function main(): Promise<void> {
  if (args.compare !== undefined) return compare(args.compare);
  if (args["compare-last"]) return compare(lastPlanConfig);
  const configPath = resolve(configFile);
  const outDir = resolve(args.out);
  const offline = await step(`reading ${configFile}`, () => readStackConfig(configPath));
  const model: Record<string, Latency> = { ...latencyModel };
  if (args.latency) {
    const overrides = JSON.parse(await readFile(args.latency, "utf8")) as Record<string, number>;
    for (const [type, seconds] of Object.entries(overrides)) model[type] = { seconds, basis: `measured (${args.latency})` };
  }

  const run = await step("evaluating index.ts under the mock runtime", () =>
    runProgram({ config: offline.config, secretKeys: offline.secretKeys }),
  );
  const secretValues = Object.fromEntries(offline.substituted.map((key) => [key, offline.config[key]]));
  const documents = generatedDocuments(run, knownSecrets(run, secretValues));
  const onePassword = JSON.parse(offline.config["homelab:onePassword"] ?? "{}") as { mode?: string };
  const est = estimate(run, model, onePassword.mode === "sdk" ? "sdk" : "connect");

  await step(`writing ${documents.size + 2} files to ${args.out}/`, async () => {
    await rm(outDir, { recursive: true, force: true });
    const files = new Map(documents);
    files.set("graph.mmd", mermaid(run));
    files.set("graph.txt", `${graphText(run).join("\n")}\n`);
    for (const [path, content] of files) {
      await mkdir(dirname(join(outDir, path)), { recursive: true });
      await writeFile(join(outDir, path), content);
    }
  });

  const lines = [
    `Plan for ${configFile} (secrets replaced by throwaway values: ${offline.substituted.join(", ") || "none"})`,
    "",
    "Layers, in order:",
    ...layerReport(run, est).map((l) => `  ${l}`),
    "",
    `Resources (${run.registrations.filter((r) => r.custom).length}), each with what it waits for:`,
    ...graphText(run).map((l) => `  ${l}`),
    "",
    ...estimateReport(est, model),
    "",
    `Documents: ${[...documents.keys()].length} files in ${args.out}/ (talos/, helm/, manifests/), graph in ${args.out}/graph.mmd (Mermaid) and graph.txt`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  await recordLastPlan(offline);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`\n${error.message}\n`);
  else process.stderr.write(`\nplan failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
