/**
 * Evaluation of the whole program, the way `npm run plan` launches it, against
 * merely importing the four Pulumi SDKs in a bare Node process: each in a fresh
 * process, alternated, and timed inside the process from Node's start
 * (`performance.now()`, and CPU time from `process.cpuUsage()`), so process
 * spawning counts for neither.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const root = join(__dirname, "..", "..");
const run = promisify(execFile);

export const sdks = ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/proxmoxve", "@pulumi/random"];
const report = "const u = process.cpuUsage(); console.log(performance.now().toFixed(1), ((u.user + u.system) / 1000).toFixed(1));";
const importOnly = `${sdks.map((s) => `require(${JSON.stringify(s)});`).join(" ")} ${report}`;

/** The Node arguments of `npm run plan` (package.json), with the entry point swapped for one evaluation. */
export function evaluationArgs(planScript: string, entry = "scripts/bench/evaluate.ts"): string[] {
  const words = planScript.split(/\s+/).filter(Boolean);
  if (words[0] !== "node" || words[words.length - 1] !== "scripts/plan.ts") {
    throw new Error(`the plan script is not "node … scripts/plan.ts": ${planScript}`);
  }
  return [...words.slice(1, -1), entry];
}

export interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function timed(args: string[]): Promise<Timing> {
  const { stdout } = await run(process.execPath, args, { cwd: root, timeout: 120_000 });
  const [wall = "", cpu = ""] = stdout.trim().split("\n").pop()?.split(" ") ?? [];
  return { wallMs: Number(wall), cpuMs: Number(cpu) };
}

export async function measureRatio(repeats: number): Promise<{ evaluation: Timing[]; imports: Timing[] }> {
  const plan = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts["plan"] ?? "";
  const args = evaluationArgs(plan);
  const evaluation: Timing[] = [];
  const imports: Timing[] = [];
  for (let i = 0; i < repeats; i++) {
    evaluation.push(await timed(args));
    imports.push(await timed(["-e", importOnly]));
  }
  return { evaluation, imports };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

export const targetRatio = 2;

/** The lines `npm run bench` prints; the last one is the ratio of the wall-time medians and its verdict. */
export function ratioReport(evaluation: Timing[], imports: Timing[]): string[] {
  const e = { wall: median(evaluation.map((t) => t.wallMs)), cpu: median(evaluation.map((t) => t.cpuMs)) };
  const i = { wall: median(imports.map((t) => t.wallMs)), cpu: median(imports.map((t) => t.cpuMs)) };
  const ratio = e.wall / i.wall;
  return [
    `Fresh processes, median of ${evaluation.length}, ms from Node's start:`,
    `  evaluation of the whole program (npm run plan's loader): ${e.wall.toFixed(0)} ms wall, ${e.cpu.toFixed(0)} ms CPU`,
    `  import of ${sdks.join(", ")}: ${i.wall.toFixed(0)} ms wall, ${i.cpu.toFixed(0)} ms CPU`,
    `  CPU-time ratio ${(e.cpu / i.cpu).toFixed(2)} (steadier than wall time on a busy machine)`,
    `evaluation/import ratio: ${ratio.toFixed(2)} (target <= ${targetRatio}) ${ratio <= targetRatio ? "ok" : "MISSED"}`,
  ];
}
