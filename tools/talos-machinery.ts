/**
 * Talos machinery through tools/talos-config: one cluster's secrets bundle, then each node's final
 * machine configuration from the inputs the program passes to talos:machine/getConfiguration,
 * as the provider builds it and a node validates it. Used by the tests and by `npm run plan`.
 */
import { spawnSync } from "node:child_process";

export type MachineSecrets = Record<string, unknown>;

export interface MachineConfigResult {
  /** The final configuration (YAML, several documents), when machinery accepted it. */
  config?: string;
  /** Machinery's own message, when it refused it. */
  error?: string;
}

function run(tool: string, args: string[], input: unknown): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(tool, args, { input: JSON.stringify(input), encoding: "utf8", timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: (result.stderr || String(result.error ?? "")).trim() };
}

/**
 * A secrets bundle as the provider's talos_machine_secrets resource makes it on create, in the
 * shape of its `machineSecrets` output: one per cluster, shared by every node's configuration.
 */
export function generateMachineSecrets(tool: string, talosVersion: string): MachineSecrets {
  const result = run(tool, ["secrets"], { talosVersion });
  if (result.status !== 0) throw new Error(`talos-config secrets: ${result.stderr}`);
  return JSON.parse(result.stdout) as MachineSecrets;
}

/** One node's final configuration from the inputs of its talos:machine/getConfiguration invoke. */
export function buildMachineConfig(tool: string, inputs: Record<string, unknown>): MachineConfigResult {
  const result = run(tool, [], inputs);
  return result.status === 0 ? { config: result.stdout } : { error: result.stderr };
}
