// Local binding of @pulumiverse/talos v0.8.1: mirrors sdk/nodejs/machine/getConfiguration.ts.

import * as pulumi from "@pulumi/pulumi";

import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * Generate a machine configuration for a node type.
 *
 * > **Note:** It is recommended to set the optional `talosVersion` attribute.
 *
 * The result's `machineConfiguration` is `secret` in the schema; the provider returns it as a secret,
 * which `getConfigurationOutput` preserves.
 */
export function getConfiguration(args: GetConfigurationArgs, opts?: pulumi.InvokeOptions): Promise<GetConfigurationResult> {
  opts = utilities.invokeOptsDefaults(opts);
  return pulumi.runtime.invoke(
    "talos:machine/getConfiguration:getConfiguration",
    {
      clusterEndpoint: args.clusterEndpoint,
      clusterName: args.clusterName,
      configPatches: args.configPatches,
      docs: args.docs,
      examples: args.examples,
      kubernetesVersion: args.kubernetesVersion,
      machineSecrets: args.machineSecrets,
      machineType: args.machineType,
      talosVersion: args.talosVersion,
    },
    opts,
  );
}

/**
 * A collection of arguments for invoking getConfiguration.
 */
export interface GetConfigurationArgs {
  /** The endpoint of the talos kubernetes cluster */
  clusterEndpoint: string;
  /** The name of the talos kubernetes cluster */
  clusterName: string;
  /** The list of config patches to apply to the generated configuration */
  configPatches?: string[];
  /** Whether to generate documentation for the generated configuration. Defaults to false */
  docs?: boolean;
  /** Whether to generate examples for the generated configuration. Defaults to false */
  examples?: boolean;
  /** The version of kubernetes to use */
  kubernetesVersion?: string;
  /** The secrets for the talos cluster */
  machineSecrets: inputs.machine.MachineSecrets;
  /** The type of machine to generate the configuration for */
  machineType: string;
  /**
   * The Talos version contract used to generate the machine configuration. This does not control the
   * installed Talos version. Example values: `v1.12`, `v1.12.1`, `1.12`, `1.12.1`
   */
  talosVersion?: string;
}

/**
 * A collection of values returned by getConfiguration.
 */
export interface GetConfigurationResult {
  /** The endpoint of the talos kubernetes cluster */
  readonly clusterEndpoint: string;
  /** The name of the talos kubernetes cluster */
  readonly clusterName: string;
  /** The list of config patches to apply to the generated configuration */
  readonly configPatches?: string[];
  /** Whether to generate documentation for the generated configuration. Defaults to false */
  readonly docs?: boolean;
  /** Whether to generate examples for the generated configuration. Defaults to false */
  readonly examples?: boolean;
  /** The ID of this resource. */
  readonly id: string;
  /** The version of kubernetes to use */
  readonly kubernetesVersion?: string;
  /** The generated machine configuration (secret) */
  readonly machineConfiguration: string;
  /** The secrets for the talos cluster */
  readonly machineSecrets: outputs.machine.MachineSecrets;
  /** The type of machine to generate the configuration for */
  readonly machineType: string;
  /** The Talos version contract used to generate the machine configuration. */
  readonly talosVersion?: string;
}

/**
 * Generate a machine configuration for a node type (Output form; accepts `dependsOn`).
 *
 * ```typescript
 * const thisSecrets = new talos.machine.Secrets("this", {});
 * const config = talos.machine.getConfigurationOutput({
 *     clusterName: "example-cluster",
 *     machineType: "controlplane",
 *     clusterEndpoint: "https://cluster.local:6443",
 *     machineSecrets: thisSecrets.machineSecrets,
 * });
 * ```
 */
export function getConfigurationOutput(
  args: GetConfigurationOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetConfigurationResult> {
  opts = utilities.invokeOptsDefaults(opts);
  return pulumi.runtime.invokeOutput<GetConfigurationResult>(
    "talos:machine/getConfiguration:getConfiguration",
    {
      clusterEndpoint: args.clusterEndpoint,
      clusterName: args.clusterName,
      configPatches: args.configPatches,
      docs: args.docs,
      examples: args.examples,
      kubernetesVersion: args.kubernetesVersion,
      machineSecrets: args.machineSecrets,
      machineType: args.machineType,
      talosVersion: args.talosVersion,
    },
    opts,
  );
}

/**
 * A collection of arguments for invoking getConfiguration.
 */
export interface GetConfigurationOutputArgs {
  /** The endpoint of the talos kubernetes cluster */
  clusterEndpoint: pulumi.Input<string>;
  /** The name of the talos kubernetes cluster */
  clusterName: pulumi.Input<string>;
  /** The list of config patches to apply to the generated configuration */
  configPatches?: pulumi.Input<pulumi.Input<string>[] | undefined>;
  /** Whether to generate documentation for the generated configuration. Defaults to false */
  docs?: pulumi.Input<boolean | undefined>;
  /** Whether to generate examples for the generated configuration. Defaults to false */
  examples?: pulumi.Input<boolean | undefined>;
  /** The version of kubernetes to use */
  kubernetesVersion?: pulumi.Input<string | undefined>;
  /** The secrets for the talos cluster */
  machineSecrets: pulumi.Input<inputs.machine.MachineSecretsArgs>;
  /** The type of machine to generate the configuration for */
  machineType: pulumi.Input<string>;
  /**
   * The Talos version contract used to generate the machine configuration. This does not control the
   * installed Talos version. Example values: `v1.12`, `v1.12.1`, `1.12`, `1.12.1`
   */
  talosVersion?: pulumi.Input<string | undefined>;
}
