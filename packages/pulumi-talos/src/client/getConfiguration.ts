// Local binding of @pulumiverse/talos v0.8.1: mirrors sdk/nodejs/client/getConfiguration.ts.

import * as pulumi from "@pulumi/pulumi";

import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * Generate client configuration (talosconfig) for a Talos cluster.
 *
 * The result's `talosConfig` is `secret` in the schema; the provider returns it as a secret, which
 * `getConfigurationOutput` preserves.
 */
export function getConfiguration(args: GetConfigurationArgs, opts?: pulumi.InvokeOptions): Promise<GetConfigurationResult> {
  opts = utilities.invokeOptsDefaults(opts);
  return pulumi.runtime.invoke(
    "talos:client/getConfiguration:getConfiguration",
    {
      clientConfiguration: args.clientConfiguration,
      clusterName: args.clusterName,
      endpoints: args.endpoints,
      nodes: args.nodes,
    },
    opts,
  );
}

/**
 * A collection of arguments for invoking getConfiguration.
 */
export interface GetConfigurationArgs {
  /** The client configuration data */
  clientConfiguration: inputs.client.GetConfigurationClientConfiguration;
  /** The name of the cluster in the generated config */
  clusterName: string;
  /** endpoints to set in the generated config */
  endpoints?: string[];
  /** nodes to set in the generated config */
  nodes?: string[];
}

/**
 * A collection of values returned by getConfiguration.
 */
export interface GetConfigurationResult {
  /** The client configuration data */
  readonly clientConfiguration: outputs.client.GetConfigurationClientConfiguration;
  /** The name of the cluster in the generated config */
  readonly clusterName: string;
  /** endpoints to set in the generated config */
  readonly endpoints?: string[];
  /** The ID of this resource */
  readonly id: string;
  /** nodes to set in the generated config */
  readonly nodes?: string[];
  /** The generated client configuration (secret) */
  readonly talosConfig: string;
}

/**
 * Generate client configuration (talosconfig) for a Talos cluster (Output form).
 *
 * ```typescript
 * const thisSecrets = new talos.machine.Secrets("this", {});
 * const talosconfig = talos.client.getConfigurationOutput({
 *     clusterName: "example-cluster",
 *     clientConfiguration: thisSecrets.clientConfiguration,
 *     nodes: ["10.5.0.2"],
 * });
 * ```
 */
export function getConfigurationOutput(
  args: GetConfigurationOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetConfigurationResult> {
  opts = utilities.invokeOptsDefaults(opts);
  return pulumi.runtime.invokeOutput<GetConfigurationResult>(
    "talos:client/getConfiguration:getConfiguration",
    {
      clientConfiguration: args.clientConfiguration,
      clusterName: args.clusterName,
      endpoints: args.endpoints,
      nodes: args.nodes,
    },
    opts,
  );
}

/**
 * A collection of arguments for invoking getConfiguration.
 */
export interface GetConfigurationOutputArgs {
  /** The client configuration data */
  clientConfiguration: pulumi.Input<inputs.client.GetConfigurationClientConfigurationArgs>;
  /** The name of the cluster in the generated config */
  clusterName: pulumi.Input<string>;
  /** endpoints to set in the generated config */
  endpoints?: pulumi.Input<pulumi.Input<string>[] | undefined>;
  /** nodes to set in the generated config */
  nodes?: pulumi.Input<pulumi.Input<string>[] | undefined>;
}
