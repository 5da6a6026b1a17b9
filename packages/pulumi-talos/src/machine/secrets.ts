// Local binding of @pulumiverse/talos v0.8.1: mirrors sdk/nodejs/machine/secrets.ts.

import * as pulumi from "@pulumi/pulumi";

import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * Generate machine secrets for Talos cluster.
 *
 * ```typescript
 * const machineSecrets = new talos.machine.Secrets("machine_secrets", {});
 * ```
 *
 * No top-level property is `secret` in the schema, so (as in the published SDK) no
 * `additionalSecretOutputs` are set; the nested keys/tokens are marked secret by the provider.
 */
export class Secrets extends pulumi.CustomResource {
  /**
   * Get an existing Secrets resource's state with the given name, ID, and optional extra
   * properties used to qualify the lookup.
   */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: SecretsState, opts?: pulumi.CustomResourceOptions): Secrets {
    return new Secrets(name, state as SecretsArgs | undefined, { ...opts, id: id });
  }

  /** @internal */
  public static readonly __pulumiType = "talos:machine/secrets:Secrets";

  /**
   * Returns true if the given object is an instance of Secrets. This is designed to work even
   * when multiple copies of the Pulumi SDK have been loaded into the same process.
   */
  public static isInstance(obj: unknown): obj is Secrets {
    return utilities.hasPulumiType(obj, Secrets.__pulumiType);
  }

  /** The generated client configuration data */
  declare public readonly /*out*/ clientConfiguration: pulumi.Output<outputs.machine.ClientConfiguration>;
  /** The secrets for the talos cluster */
  declare public readonly /*out*/ machineSecrets: pulumi.Output<outputs.machine.MachineSecrets>;
  /** The Talos version contract used to generate the secrets. Example values: `v1.12`, `v1.12.1`, `1.12`, `1.12.1` */
  declare public readonly talosVersion: pulumi.Output<string>;

  /**
   * Create a Secrets resource with the given unique name, arguments, and options.
   *
   * @param name The _unique_ name of the resource.
   * @param args The arguments to use to populate this resource's properties.
   * @param opts A bag of options that control this resource's behavior.
   */
  constructor(name: string, args?: SecretsArgs, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, argsOrState?: SecretsArgs | SecretsState, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    opts = opts || {};
    if (opts.id) {
      const state = argsOrState as SecretsState | undefined;
      resourceInputs["clientConfiguration"] = state?.clientConfiguration;
      resourceInputs["machineSecrets"] = state?.machineSecrets;
      resourceInputs["talosVersion"] = state?.talosVersion;
    } else {
      const args = argsOrState as SecretsArgs | undefined;
      resourceInputs["talosVersion"] = args?.talosVersion;
      resourceInputs["clientConfiguration"] = undefined; /*out*/
      resourceInputs["machineSecrets"] = undefined; /*out*/
    }
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
    super(Secrets.__pulumiType, name, resourceInputs, opts);
  }
}

/**
 * Input properties used for looking up and filtering Secrets resources.
 */
export interface SecretsState {
  /** The generated client configuration data */
  clientConfiguration?: pulumi.Input<inputs.machine.ClientConfiguration | undefined>;
  /** The secrets for the talos cluster */
  machineSecrets?: pulumi.Input<inputs.machine.MachineSecretsArgs | undefined>;
  /** The Talos version contract used to generate the secrets. */
  talosVersion?: pulumi.Input<string | undefined>;
}

/**
 * The set of arguments for constructing a Secrets resource.
 */
export interface SecretsArgs {
  /** The Talos version contract used to generate the secrets. Example values: `v1.12`, `v1.12.1`, `1.12`, `1.12.1` */
  talosVersion?: pulumi.Input<string | undefined>;
}
