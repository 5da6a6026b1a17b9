/**
 * The plan command: arguments, the output directory, and the run. Everything
 * that touches the outside (directories, output streams) is injectable, so the
 * tests run the command itself.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

import { ConfigError, namespace, stackFile } from "../../components/config";
import { resolveProjectPath } from "../../components/config/paths";
import { secretKeys } from "../../components/config/schema";
import { sopsGuard } from "../../components/lib/sops";
import { runProgram } from "../../offline/harness";
import { knownSecrets } from "../../offline/secrets";
import { builtToolPath } from "../../tools/registry";
import { parseOptions, UsageError } from "../lib/args";
import { exitCodes } from "../lib/exit-codes";
import { type FinalConfigs, finalMachineConfigs, generatedDocuments } from "./documents";
import { planHtml } from "./html";
import { compareStackConfigs, impactReport, lastPlanConfig, recordLastPlan } from "./impact";
import { type Latency, latencyModel } from "./latency";
import { estimate, estimateReport, graphText, layerReport, mermaid } from "./report";
import { backupRecipients, nothingToRestoreReport, restoreEstimate, restoreReport, restoreRun } from "./restore";
import { type OfflineConfig, readStackConfig, StackFileError } from "./stack-config";

export const usage = `Usage: npm run plan -- [options]

Evaluates the program offline (Pulumi's mock runtime: no Proxmox, no Pulumi
CLI, no network) with a stack config and prints what \`pulumi up\` would build,
in what order and how long it would take; writes every generated document.
A config \`pulumi up\` would refuse exits 1 with the same problems.

Options:
  --config <file>        stack config (default: ${stackFile} in the project)
  --out <dir>            where documents and the graph go (default: out/ in the
                         project). Plan only writes into a new or empty
                         directory or one it wrote before, and only replaces
                         its own files there
  --latency <file>       JSON object of seconds per resource type, to replace
                         the model's figures; keys are the type names the plan
                         prints (VmLegacy) or full tokens
  --throwaway-secrets    give secrets that are not set yet throwaway values
                         (\`pulumi up\` would refuse them as missing)
  --compare <file>       what changing from <file> to --config does
  --compare-last         the same, since the last successful plan
  --restore              the modelled time from the backups to a working
                         cluster (docs/disaster-recovery.md, in order: the
                         program's critical path plus the etcd snapshot
                         restore by hand) against the 30-minute goal; writes
                         no files (with --config, --latency, --throwaway-secrets);
                         a config with no backup.recipients has nothing to
                         restore from: exit 1
  -h, --help             show this help

Exit status: 0 planned, 1 the config has problems, 2 bad usage or a refused
--out, 3 a crash, 4 with --compare a change not known to be safe, 5 planned
but a check did not run (listed as "Not run").
`;

export interface PlanOptions {
  config?: string;
  out?: string;
  latency?: string;
  compare?: string;
  compareLast: boolean;
  restore: boolean;
  throwawaySecrets: boolean;
  help: boolean;
}

export function parsePlanArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): PlanOptions {
  const values = parseOptions(
    argv,
    {
      config: { type: "string" },
      out: { type: "string" },
      latency: { type: "string" },
      compare: { type: "string" },
      "compare-last": { type: "boolean", default: false },
      restore: { type: "boolean", default: false },
      "throwaway-secrets": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    env,
  );
  for (const name of ["config", "out", "latency", "compare"] as const) {
    if (values[name] === "") throw new UsageError(`--${name} needs a value`);
  }
  if (values.compare !== undefined && values["compare-last"]) throw new UsageError("give --compare <file> or --compare-last, not both");
  if (values.restore && (values.compare !== undefined || values["compare-last"] || values.out !== undefined)) {
    throw new UsageError("--restore takes only --config, --latency and --throwaway-secrets");
  }
  return {
    compareLast: values["compare-last"],
    restore: values.restore,
    throwawaySecrets: values["throwaway-secrets"],
    help: values.help,
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values.latency !== undefined ? { latency: values.latency } : {}),
    ...(values.compare !== undefined ? { compare: values.compare } : {}),
  };
}

/** Short type name as the plan prints it: `VmLegacy` for `proxmoxve:index/vmLegacy:VmLegacy`. */
export const shortType = (type: string): string => type.split(":").pop() ?? type;

/**
 * The latency model with the overrides of a --latency file. Keys are the type
 * names the plan prints or full type tokens; an unknown key or a value that is
 * not a number of seconds is refused.
 */
export function withLatencyOverrides(model: Record<string, Latency>, text: string, source: string): Record<string, Latency> {
  let overrides: unknown;
  try {
    overrides = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--latency ${source} is not JSON: ${(error as Error).message}`);
  }
  if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
    throw new UsageError(`--latency ${source} must be a JSON object of seconds per resource type, like {"VmLegacy": 90}`);
  }
  const byShortName = new Map(Object.keys(model).map((type) => [shortType(type), type]));
  const result = { ...model };
  for (const [key, seconds] of Object.entries(overrides)) {
    const type = key in model ? key : byShortName.get(key);
    if (type === undefined) {
      throw new UsageError(
        `--latency ${source}: ${JSON.stringify(key)} is not a modelled resource type; use one of ${[...byShortName.keys()].join(", ")}`,
      );
    }
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
      throw new UsageError(`--latency ${source}: ${key} must be a number of seconds (0 or more), not ${JSON.stringify(seconds)}`);
    }
    result[type] = { seconds, basis: `measured (${source})` };
  }
  return result;
}

/** Marks a directory plan wrote, listing its files, so a later run replaces only those. */
export const outputMarker = ".homelab-plan.json";

/** Refused output directory: one line, exit 2. */
export class OutDirError extends UsageError {}

/** The files a previous plan wrote into `dir`; throws when `dir` holds anything else and is not a plan output. */
export async function previousOutput(dir: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) return [];
  if (!info.isDirectory()) throw new OutDirError(`--out ${dir} is a file, not a directory`);
  const entries = await readdir(dir);
  if (entries.length === 0) return [];
  if (!entries.includes(outputMarker)) {
    const shown = entries.slice(0, 3).join(", ") + (entries.length > 3 ? ", …" : "");
    throw new OutDirError(
      `--out ${dir} already holds files plan did not write (${shown}); give a new or empty directory (plan never deletes what it did not write)`,
    );
  }
  const marker = JSON.parse(await readFile(join(dir, outputMarker), "utf8")) as { files?: unknown };
  const files = Array.isArray(marker.files) ? marker.files.filter((f): f is string => typeof f === "string") : [];
  // Only paths inside the directory: a marker is not trusted to point anywhere else.
  return files.filter((f) => !isAbsolute(f) && !relative(dir, resolve(dir, f)).startsWith(".."));
}

/**
 * Writes the files into `dir`, replacing what an earlier plan wrote there
 * (`previous`, from previousOutput) and nothing else.
 */
export async function writeOutput(dir: string, files: Map<string, string>, previous: string[]): Promise<void> {
  for (const file of previous) {
    await rm(join(dir, file), { force: true });
    // Remove directories the old files leave empty, up to `dir` itself.
    for (let parent = dirname(join(dir, file)); parent.startsWith(dir + sep); parent = dirname(parent)) {
      if ((await readdir(parent).catch(() => ["?"])).length > 0) break;
      await rmdir(parent);
    }
  }
  await mkdir(dir, { recursive: true });
  for (const [path, content] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await writeFile(join(dir, outputMarker), `${JSON.stringify({ writtenBy: "npm run plan", files: [...files.keys()].sort() }, null, 1)}\n`);
}

export interface PlanDeps {
  /** Directory relative paths on the command line start from; default INIT_CWD (where `npm run` was called) or the cwd. */
  cwd?: string;
  /** The project directory (Pulumi.yaml): where the default stack file and out/ are. */
  projectRoot: string;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Environment, for the options npm swallowed (`npm_config_*`); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The whole command; resolves to the exit status. */
export async function main(argv: string[], deps: PlanDeps): Promise<number> {
  const stdout = deps.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = deps.stderr ?? ((text: string) => process.stderr.write(text));
  const cwd = deps.cwd ?? process.env["INIT_CWD"] ?? process.cwd();
  const fromCwd = (path: string) => resolve(cwd, path);

  /** One line per step on stderr, so stdout stays the report. */
  async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    stderr(`▸ ${title} … `);
    try {
      const result = await work();
      stderr(`done (${Date.now() - started} ms)\n`);
      return result;
    } catch (error) {
      stderr("failed\n");
      throw error;
    }
  }

  /** The stack file as the user named it, for the closing line of a ConfigError. */
  let configName: string = stackFile;
  try {
    const options = parsePlanArgs(argv, deps.env ?? process.env);
    if (options.help) {
      stdout(usage);
      return 0;
    }
    const configPath = options.config !== undefined ? fromCwd(options.config) : join(deps.projectRoot, stackFile);
    configName = options.config ?? (relative(cwd, configPath) || configPath);

    const compareWith = options.compare !== undefined ? fromCwd(options.compare) : options.compareLast ? lastPlanConfig : undefined;
    if (compareWith !== undefined) {
      const impact = await step(`evaluating ${compareWith} and ${configName}`, () => compareStackConfigs(compareWith, configPath));
      stdout(`${impactReport(impact, `Impact of changing ${compareWith} to ${configName}`).join("\n")}\n`);
      return impact.exitCode;
    }

    const model = options.latency === undefined ? latencyModel : await readLatency(fromCwd(options.latency), options.latency);
    if (options.restore) {
      const offline = await step(`reading ${configName}`, () =>
        readStackConfig(configPath, { fillMissingSecrets: options.throwawaySecrets }),
      );
      if (backupRecipients(offline.config).length === 0) {
        stdout(`${nothingToRestoreReport(configName).join("\n")}\n`);
        return exitCodes.failed;
      }
      const run = await step("evaluating a backup and a fresh stack restoring it under the mock runtime", () =>
        restoreRun(offline.config, offline.secretKeys),
      );
      const onePassword = JSON.parse(offline.config["homelab:onePassword"] ?? "{}") as { mode?: string };
      const est = restoreEstimate(run, model, onePassword.mode === "sdk" ? "sdk" : "connect");
      stdout(`${restoreReport(est, configName).join("\n")}\n`);
      return 0;
    }
    const outDir = options.out !== undefined ? fromCwd(options.out) : join(deps.projectRoot, "out");
    const outName = relative(cwd, outDir) || ".";
    // Before the evaluation, so a refused directory costs nothing.
    const previous = await previousOutput(outDir);
    const offline = await step(`reading ${configName}`, () =>
      readStackConfig(configPath, { fillMissingSecrets: options.throwawaySecrets }),
    );
    const { config: programConfig, unchecked, checkout } = withoutUnverifiableCheckout(offline, deps.projectRoot);
    if (checkout !== undefined) {
      // What needs no key still runs: plaintext in the checkout is refused as the program's preflight refuses it.
      const plaintext = await sopsGuard(checkout);
      if (plaintext.length > 0) {
        stderr(
          `\nhomelab:flux.localCheckout holds plaintext (checked without the age key):\n${plaintext.map((p) => `  - ${p}`).join("\n")}\n`,
        );
        return exitCodes.failed;
      }
    }
    const run = await step("evaluating index.ts under the mock runtime", () =>
      runProgram({ config: programConfig, secretKeys: offline.secretKeys }),
    );
    const secretValues = Object.fromEntries(offline.substituted.map((key) => [key, offline.config[key]]));
    const secrets = knownSecrets(run, secretValues);
    const documents = generatedDocuments(run, secrets);
    const final = finalMachineConfigs(run, secrets, builtToolPath("talos-config"));
    const onePassword = JSON.parse(offline.config["homelab:onePassword"] ?? "{}") as { mode?: string };
    const est = estimate(run, model, onePassword.mode === "sdk" ? "sdk" : "connect");

    const files = new Map([...documents, ...(final?.files ?? [])]);
    files.set("graph.mmd", mermaid(run));
    files.set("graph.txt", `${graphText(run).join("\n")}\n`);
    files.set("plan.html", planHtml(run, est, model, configName));
    await step(`writing ${files.size} files to ${outName}/`, () => writeOutput(outDir, files, previous));

    const lines = [
      `Plan for ${configName} (secrets replaced by throwaway values: ${offline.substituted.join(", ") || "none"})`,
      "",
      "Layers, in order:",
      ...layerReport(run, est).map((l) => `  ${l}`),
      "",
      `Resources (${run.registrations.filter((r) => r.custom).length}), each with what it waits for:`,
      ...graphText(run).map((l) => `  ${l}`),
      "",
      ...estimateReport(est, model),
      "",
      ...(unchecked === undefined ? [] : [unchecked, ""]),
      ...finalConfigsReport(final),
      `Files: ${files.size} in ${outName}/: ${files.size - 3} documents (talos/, helm/, manifests/) the graph (graph.mmd for Mermaid, graph.txt) and plan.html (timeline and graph, open it in a browser)`,
    ];
    stdout(`${lines.join("\n")}\n`);
    await recordLastPlan(offline);
    // A check that did not run is not a pass: the status says so (scripts/lib/exit-codes.ts).
    return unchecked === undefined ? exitCodes.ok : exitCodes.incomplete;
  } catch (error) {
    if (error instanceof ConfigError) {
      stderr(`\n${error.inFile(configName).message}\n`);
      if (onlySecretsMissing(error)) {
        stderr(
          "Only secrets are missing: `npm run plan -- --throwaway-secrets` plans with throwaway values in their place; `pulumi up` needs them set with `pulumi config set --secret <key>`.\n",
        );
      }
      return 1;
    }
    if (error instanceof UsageError || error instanceof StackFileError) {
      stderr(`plan: ${error.message}${error instanceof OutDirError || error instanceof StackFileError ? "" : " (see --help)"}\n`);
      return 2;
    }
    throw error;
  }
}

/** Whether every problem is a secret that is not set at all: then --throwaway-secrets gives a plan. */
function onlySecretsMissing(error: ConfigError): boolean {
  const secrets = new Set<string>(secretKeys.map((key) => `${namespace}:${key}`));
  return error.problems.length > 0 && error.problems.every((p) => secrets.has(p.key) && p.message.startsWith("is required"));
}

/**
 * With the age key stored encrypted, plan has only a throwaway key, with which
 * no SOPS file of flux.localCheckout would decrypt. The program would then
 * refuse a checkout that `up` accepts, so plan leaves that check out and says
 * so. A checkout that cannot be read at all stays in: the program refuses it
 * before decrypting anything, as under `up`.
 */
function withoutUnverifiableCheckout(
  offline: OfflineConfig,
  projectRoot: string,
): { config: Record<string, string>; unchecked?: string; checkout?: string } {
  const unchanged = { config: offline.config };
  if (!offline.substituted.includes("homelab:sopsAgeKey")) return unchanged;
  const flux = offline.config["homelab:flux"];
  let parsed: unknown;
  try {
    parsed = JSON.parse(flux ?? "null");
  } catch {
    return unchanged;
  }
  if (typeof parsed !== "object" || parsed === null || !("localCheckout" in parsed)) return unchanged;
  const { localCheckout, ...rest } = parsed;
  if (typeof localCheckout !== "string" || !existsSync(resolveProjectPath(localCheckout, projectRoot))) return unchanged;
  const why = offline.unset.includes("homelab:sopsAgeKey")
    ? "which is not set (a throwaway key stands in for it)"
    : "which is encrypted in the stack file";
  return {
    config: { ...offline.config, "homelab:flux": JSON.stringify(rest) },
    checkout: resolveProjectPath(localCheckout, projectRoot),
    unchecked: `Not run: that every SOPS file in flux.localCheckout (${localCheckout}) decrypts with homelab:sopsAgeKey, ${why}; \`npm run doctor\` checks it. (Plaintext in it was checked: none.)`,
  };
}

async function readLatency(path: string, name: string): Promise<Record<string, Latency>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read --latency ${name} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return withLatencyOverrides(latencyModel, text, name);
}

/** What plan says of the final machine configurations: written, refused by machinery (with its message), or not built. */
function finalConfigsReport(final: FinalConfigs | undefined): string[] {
  if (final === undefined) {
    return ["Final machine configs: not written (Talos machinery is not built here: `npm run tools` builds it, with Go)", ""];
  }
  return [
    `Final machine configs: ${final.files.size} validated by Talos machinery (talos/<node>/machine-config.yaml, keys and tokens redacted)`,
    ...final.refused.map((line) => `  refused by Talos machinery: ${line}`),
    "",
  ];
}
