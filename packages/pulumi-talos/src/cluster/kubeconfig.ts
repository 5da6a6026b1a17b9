// Local binding of @pulumiverse/talos v0.8.1: mirrors sdk/nodejs/cluster/kubeconfig.ts.

import * as pulumi from "@pulumi/pulumi";

import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * Retrieves the kubeconfig for a Talos cluster.
 */
export class Kubeconfig extends pulumi.CustomResource {
  /**
   * Get an existing Kubeconfig resource's state with the given name, ID, and optional extra
   * properties used to qualify the lookup.
   */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: KubeconfigState, opts?: pulumi.CustomResourceOptions): Kubeconfig {
    return new Kubeconfig(name, state as KubeconfigArgs, { ...opts, id: id });
  }

  /** @internal */
  public static readonly __pulumiType = "talos:cluster/kubeconfig:Kubeconfig";

  /**
   * Returns true if the given object is an instance of Kubeconfig. This is designed to work even
   * when multiple copies of the Pulumi SDK have been loaded into the same process.
   */
  public static isInstance(obj: unknown): obj is Kubeconfig {
    return utilities.hasPulumiType(obj, Kubeconfig.__pulumiType);
  }

  /** The duration in hours before the certificate is renewed, defaults to 720h. Must be a valid duration string */
  declare public readonly certificateRenewalDuration: pulumi.Output<string>;
  /** The client configuration data */
  declare public readonly clientConfiguration: pulumi.Output<outputs.cluster.KubeconfigClientConfiguration>;
  /** endpoint to use for the talosclient. If not set, the node value will be used */
  declare public readonly endpoint: pulumi.Output<string>;
  /** The raw kubeconfig (secret) */
  declare public readonly /*out*/ kubeconfigRaw: pulumi.Output<string>;
  /** The kubernetes client configuration */
  declare public readonly /*out*/ kubernetesClientConfiguration: pulumi.Output<outputs.cluster.KubeconfigKubernetesClientConfiguration>;
  /** controlplane node to retrieve the kubeconfig from */
  declare public readonly node: pulumi.Output<string>;
  declare public readonly timeouts: pulumi.Output<outputs.cluster.KubeconfigTimeouts | undefined>;

  /**
   * Create a Kubeconfig resource with the given unique name, arguments, and options.
   *
   * @param name The _unique_ name of the resource.
   * @param args The arguments to use to populate this resource's properties.
   * @param opts A bag of options that control this resource's behavior.
   */
  constructor(name: string, args: KubeconfigArgs, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, argsOrState?: KubeconfigArgs | KubeconfigState, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    opts = opts || {};
    if (opts.id) {
      const state = argsOrState as KubeconfigState | undefined;
      resourceInputs["certificateRenewalDuration"] = state?.certificateRenewalDuration;
      resourceInputs["clientConfiguration"] = state?.clientConfiguration;
      resourceInputs["endpoint"] = state?.endpoint;
      resourceInputs["kubeconfigRaw"] = state?.kubeconfigRaw;
      resourceInputs["kubernetesClientConfiguration"] = state?.kubernetesClientConfiguration;
      resourceInputs["node"] = state?.node;
      resourceInputs["timeouts"] = state?.timeouts;
    } else {
      const args = argsOrState as KubeconfigArgs | undefined;
      if (args?.clientConfiguration === undefined && !opts.urn) {
        throw new Error("Missing required property 'clientConfiguration'");
      }
      if (args?.node === undefined && !opts.urn) {
        throw new Error("Missing required property 'node'");
      }
      resourceInputs["certificateRenewalDuration"] = args?.certificateRenewalDuration;
      resourceInputs["clientConfiguration"] = args?.clientConfiguration;
      resourceInputs["endpoint"] = args?.endpoint;
      resourceInputs["node"] = args?.node;
      resourceInputs["timeouts"] = args?.timeouts;
      resourceInputs["kubeconfigRaw"] = undefined; /*out*/
      resourceInputs["kubernetesClientConfiguration"] = undefined; /*out*/
    }
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
    const secretOpts = { additionalSecretOutputs: ["kubeconfigRaw"] };
    opts = pulumi.mergeOptions(opts, secretOpts);
    super(Kubeconfig.__pulumiType, name, resourceInputs, opts);
  }
}

/**
 * Input properties used for looking up and filtering Kubeconfig resources.
 */
export interface KubeconfigState {
  /** The duration in hours before the certificate is renewed, defaults to 720h. */
  certificateRenewalDuration?: pulumi.Input<string | undefined>;
  /** The client configuration data */
  clientConfiguration?: pulumi.Input<inputs.cluster.KubeconfigClientConfiguration | undefined>;
  /** endpoint to use for the talosclient. If not set, the node value will be used */
  endpoint?: pulumi.Input<string | undefined>;
  /** The raw kubeconfig */
  kubeconfigRaw?: pulumi.Input<string | undefined>;
  /** The kubernetes client configuration */
  kubernetesClientConfiguration?: pulumi.Input<inputs.cluster.KubeconfigKubernetesClientConfiguration | undefined>;
  /** controlplane node to retrieve the kubeconfig from */
  node?: pulumi.Input<string | undefined>;
  timeouts?: pulumi.Input<inputs.cluster.KubeconfigTimeouts | undefined>;
}

/**
 * The set of arguments for constructing a Kubeconfig resource.
 */
export interface KubeconfigArgs {
  /** The duration in hours before the certificate is renewed, defaults to 720h. Must be a valid duration string */
  certificateRenewalDuration?: pulumi.Input<string | undefined>;
  /** The client configuration data */
  clientConfiguration: pulumi.Input<inputs.cluster.KubeconfigClientConfiguration>;
  /** endpoint to use for the talosclient. If not set, the node value will be used */
  endpoint?: pulumi.Input<string | undefined>;
  /** controlplane node to retrieve the kubeconfig from */
  node: pulumi.Input<string>;
  timeouts?: pulumi.Input<inputs.cluster.KubeconfigTimeouts | undefined>;
}
