// Local binding of @pulumiverse/talos v0.8.1: mirrors sdk/nodejs/cluster/getHealth.ts.

import * as pulumi from "@pulumi/pulumi";

import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * Waits for the Talos cluster to be healthy. Can be used as a dependency before running other
 * operations on the cluster.
 */
export function getHealth(args: GetHealthArgs, opts?: pulumi.InvokeOptions): Promise<GetHealthResult> {
  opts = utilities.invokeOptsDefaults(opts);
  return pulumi.runtime.invoke(
    "talos:cluster/getHealth:getHealth",
    {
      clientConfiguration: args.clientConfiguration,
      controlPlaneNodes: args.controlPlaneNodes,
      endpoints: args.endpoints,
      skipKubernetesChecks: args.skipKubernetesChecks,
      timeouts: args.timeouts,
      workerNodes: args.workerNodes,
    },
    opts,
  );
}

/**
 * A collection of arguments for invoking getHealth.
 */
export interface GetHealthArgs {
  /** The client configuration data */
  clientConfiguration: inputs.cluster.GetHealthClientConfiguration;
  /** List of control plane nodes to check for health. */
  controlPlaneNodes: string[];
  /** endpoints to use for the health check client. Use at least one control plane endpoint. */
  endpoints: string[];
  /** Skip Kubernetes component checks (only check that the nodes booted and kubelet runs). Default is false. */
  skipKubernetesChecks?: boolean;
  timeouts?: inputs.cluster.GetHealthTimeouts;
  /** List of worker nodes to check for health. */
  workerNodes?: string[];
}

/**
 * A collection of values returned by getHealth.
 */
export interface GetHealthResult {
  /** The client configuration data */
  readonly clientConfiguration: outputs.cluster.GetHealthClientConfiguration;
  /** List of control plane nodes to check for health. */
  readonly controlPlaneNodes: string[];
  /** endpoints to use for the health check client. */
  readonly endpoints: string[];
  /** The ID of this resource. */
  readonly id: string;
  /** Skip Kubernetes component checks. */
  readonly skipKubernetesChecks?: boolean;
  readonly timeouts?: outputs.cluster.GetHealthTimeouts;
  /** List of worker nodes to check for health. */
  readonly workerNodes?: string[];
}

/**
 * Waits for the Talos cluster to be healthy (Output form; pass `dependsOn` to order it after e.g. the
 * Bootstrap resource).
 */
export function getHealthOutput(args: GetHealthOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetHealthResult> {
  opts = utilities.invokeOptsDefaults(opts);
  return pulumi.runtime.invokeOutput<GetHealthResult>(
    "talos:cluster/getHealth:getHealth",
    {
      clientConfiguration: args.clientConfiguration,
      controlPlaneNodes: args.controlPlaneNodes,
      endpoints: args.endpoints,
      skipKubernetesChecks: args.skipKubernetesChecks,
      timeouts: args.timeouts,
      workerNodes: args.workerNodes,
    },
    opts,
  );
}

/**
 * A collection of arguments for invoking getHealth.
 */
export interface GetHealthOutputArgs {
  /** The client configuration data */
  clientConfiguration: pulumi.Input<inputs.cluster.GetHealthClientConfigurationArgs>;
  /** List of control plane nodes to check for health. */
  controlPlaneNodes: pulumi.Input<pulumi.Input<string>[]>;
  /** endpoints to use for the health check client. Use at least one control plane endpoint. */
  endpoints: pulumi.Input<pulumi.Input<string>[]>;
  /** Skip Kubernetes component checks. Default is false. */
  skipKubernetesChecks?: pulumi.Input<boolean | undefined>;
  timeouts?: pulumi.Input<inputs.cluster.GetHealthTimeoutsArgs | undefined>;
  /** List of worker nodes to check for health. */
  workerNodes?: pulumi.Input<pulumi.Input<string>[] | undefined>;
}
