/** Shortcuts for whole-program tests: the example stack with freshly generated secrets. */
import {
  connectSecrets,
  type GeneratedSecrets,
  generateSecrets,
  type Settings,
  singleNodeSettings,
  stackConfig,
} from "../../offline/fixtures";
import { type ProgramRun, type RunOptions, runProgram } from "../../offline/harness";

export const types = {
  vm: "proxmoxve:index/vmLegacy:VmLegacy",
  iso: "proxmoxve:download/file:File",
  proxmoxProvider: "pulumi:providers:proxmoxve",
  firewallOptions: "proxmoxve:firewall/optionsLegacy:OptionsLegacy",
  firewallIpset: "proxmoxve:firewall/ipsetLegacy:IpsetLegacy",
  firewallRules: "proxmoxve:firewall/rulesLegacy:RulesLegacy",
  /** VmStart (components/proxmox/start.ts), the program's only dynamic resource. */
  vmStart: "pulumi-nodejs:dynamic:Resource",
  schematic: "talos:imageFactory/schematic:Schematic",
  secrets: "talos:machine/secrets:Secrets",
  apply: "talos:machine/configurationApply:ConfigurationApply",
  bootstrap: "talos:machine/bootstrap:Bootstrap",
  kubeconfig: "talos:cluster/kubeconfig:Kubeconfig",
  kubernetesProvider: "pulumi:providers:kubernetes",
  namespace: "kubernetes:core/v1:Namespace",
  secret: "kubernetes:core/v1:Secret",
  release: "kubernetes:helm.sh/v3:Release",
  fluxInstance: "kubernetes:fluxcd.controlplane.io/v1:FluxInstance",
  clusterSecretStore: "kubernetes:external-secrets.io/v1:ClusterSecretStore",
} as const;

export const invokes = {
  getUrls: "talos:imageFactory/getUrls:getUrls",
  machineConfiguration: "talos:machine/getConfiguration:getConfiguration",
  clientConfiguration: "talos:client/getConfiguration:getConfiguration",
  health: "talos:cluster/getHealth:getHealth",
} as const;

export interface ExampleRun extends ProgramRun {
  secrets: Partial<GeneratedSecrets>;
}

/** Runs the program on `settings` (default: the single-node example) with Connect-mode secrets. */
export async function runExample(
  options: Omit<RunOptions, "config" | "secretKeys"> & { settings?: Settings; secrets?: Partial<GeneratedSecrets> } = {},
): Promise<ExampleRun> {
  const secrets = options.secrets ?? connectSecrets(await generateSecrets());
  const { settings, secrets: _secrets, ...rest } = options;
  const run = await runProgram({ ...stackConfig(settings ?? singleNodeSettings(), secrets), ...rest });
  return { ...run, secrets };
}
