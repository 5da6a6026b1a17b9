// Local binding of @pulumiverse/talos v0.8.1: mirrors sdk/nodejs/machine/configurationApply.ts.

import * as pulumi from "@pulumi/pulumi";

import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * The machine configuration apply resource allows to apply machine configuration to a node.
 */
export class ConfigurationApply extends pulumi.CustomResource {
  /**
   * Get an existing ConfigurationApply resource's state with the given name, ID, and optional extra
   * properties used to qualify the lookup.
   */
  public static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: ConfigurationApplyState,
    opts?: pulumi.CustomResourceOptions,
  ): ConfigurationApply {
    return new ConfigurationApply(name, state as ConfigurationApplyArgs, { ...opts, id: id });
  }

  /** @internal */
  public static readonly __pulumiType = "talos:machine/configurationApply:ConfigurationApply";

  /**
   * Returns true if the given object is an instance of ConfigurationApply. This is designed to work even
   * when multiple copies of the Pulumi SDK have been loaded into the same process.
   */
  public static isInstance(obj: unknown): obj is ConfigurationApply {
    return utilities.hasPulumiType(obj, ConfigurationApply.__pulumiType);
  }

  /**
   * The mode of the apply operation. Use 'staged_if_needing_reboot' for automatic reboot prevention:
   * performs a dry-run and uses 'staged' mode if reboot is needed, 'auto' otherwise.
   */
  declare public readonly applyMode: pulumi.Output<string>;
  /** The client configuration data */
  declare public readonly clientConfiguration: pulumi.Output<outputs.machine.ClientConfiguration | undefined>;
  /** The client configuration data (write-only; secret). */
  declare public readonly clientConfigurationWo: pulumi.Output<outputs.machine.ConfigurationApplyClientConfigurationWo | undefined>;
  /** The list of config patches to apply */
  declare public readonly configPatches: pulumi.Output<string[] | undefined>;
  /** The endpoint of the machine to bootstrap */
  declare public readonly endpoint: pulumi.Output<string>;
  /** The generated machine configuration after applying patches (secret) */
  declare public readonly /*out*/ machineConfiguration: pulumi.Output<string>;
  /** SHA256 hex digest of the rendered machine configuration (input plus patches). */
  declare public readonly /*out*/ machineConfigurationHash: pulumi.Output<string>;
  /** The machine configuration to apply (secret) */
  declare public readonly machineConfigurationInput: pulumi.Output<string | undefined>;
  /** The machine configuration to apply (write-only; secret). */
  declare public readonly machineConfigurationInputWo: pulumi.Output<string | undefined>;
  /** The name of the node to bootstrap */
  declare public readonly node: pulumi.Output<string>;
  /** Actions to be taken on destroy, if *reset* is not set this is a no-op. */
  declare public readonly onDestroy: pulumi.Output<outputs.machine.ConfigurationApplyOnDestroy | undefined>;
  /** The actual apply mode used (resolves 'staged_if_needing_reboot'). */
  declare public readonly /*out*/ resolvedApplyMode: pulumi.Output<string>;
  declare public readonly timeouts: pulumi.Output<outputs.machine.Timeout | undefined>;

  /**
   * Create a ConfigurationApply resource with the given unique name, arguments, and options.
   *
   * @param name The _unique_ name of the resource.
   * @param args The arguments to use to populate this resource's properties.
   * @param opts A bag of options that control this resource's behavior.
   */
  constructor(name: string, args: ConfigurationApplyArgs, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, argsOrState?: ConfigurationApplyArgs | ConfigurationApplyState, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    opts = opts || {};
    if (opts.id) {
      const state = argsOrState as ConfigurationApplyState | undefined;
      resourceInputs["applyMode"] = state?.applyMode;
      resourceInputs["clientConfiguration"] = state?.clientConfiguration;
      resourceInputs["clientConfigurationWo"] = state?.clientConfigurationWo;
      resourceInputs["configPatches"] = state?.configPatches;
      resourceInputs["endpoint"] = state?.endpoint;
      resourceInputs["machineConfiguration"] = state?.machineConfiguration;
      resourceInputs["machineConfigurationHash"] = state?.machineConfigurationHash;
      resourceInputs["machineConfigurationInput"] = state?.machineConfigurationInput;
      resourceInputs["machineConfigurationInputWo"] = state?.machineConfigurationInputWo;
      resourceInputs["node"] = state?.node;
      resourceInputs["onDestroy"] = state?.onDestroy;
      resourceInputs["resolvedApplyMode"] = state?.resolvedApplyMode;
      resourceInputs["timeouts"] = state?.timeouts;
    } else {
      const args = argsOrState as ConfigurationApplyArgs | undefined;
      if (args?.node === undefined && !opts.urn) {
        throw new Error("Missing required property 'node'");
      }
      resourceInputs["applyMode"] = args?.applyMode;
      resourceInputs["clientConfiguration"] = args?.clientConfiguration;
      resourceInputs["clientConfigurationWo"] = args?.clientConfigurationWo ? pulumi.secret(args.clientConfigurationWo) : undefined;
      resourceInputs["configPatches"] = args?.configPatches;
      resourceInputs["endpoint"] = args?.endpoint;
      resourceInputs["machineConfigurationInput"] = args?.machineConfigurationInput
        ? pulumi.secret(args.machineConfigurationInput)
        : undefined;
      resourceInputs["machineConfigurationInputWo"] = args?.machineConfigurationInputWo
        ? pulumi.secret(args.machineConfigurationInputWo)
        : undefined;
      resourceInputs["node"] = args?.node;
      resourceInputs["onDestroy"] = args?.onDestroy;
      resourceInputs["timeouts"] = args?.timeouts;
      resourceInputs["machineConfiguration"] = undefined; /*out*/
      resourceInputs["machineConfigurationHash"] = undefined; /*out*/
      resourceInputs["resolvedApplyMode"] = undefined; /*out*/
    }
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
    const secretOpts = {
      additionalSecretOutputs: [
        "clientConfigurationWo",
        "machineConfiguration",
        "machineConfigurationInput",
        "machineConfigurationInputWo",
      ],
    };
    opts = pulumi.mergeOptions(opts, secretOpts);
    super(ConfigurationApply.__pulumiType, name, resourceInputs, opts);
  }
}

/**
 * Input properties used for looking up and filtering ConfigurationApply resources.
 */
export interface ConfigurationApplyState {
  /** The mode of the apply operation. */
  applyMode?: pulumi.Input<string | undefined>;
  /** The client configuration data */
  clientConfiguration?: pulumi.Input<inputs.machine.ClientConfiguration | undefined>;
  /** The client configuration data (write-only). */
  clientConfigurationWo?: pulumi.Input<inputs.machine.ConfigurationApplyClientConfigurationWo | undefined>;
  /** The list of config patches to apply */
  configPatches?: pulumi.Input<pulumi.Input<string>[] | undefined>;
  /** The endpoint of the machine to bootstrap */
  endpoint?: pulumi.Input<string | undefined>;
  /** The generated machine configuration after applying patches */
  machineConfiguration?: pulumi.Input<string | undefined>;
  /** SHA256 hex digest of the rendered machine configuration (input plus patches). */
  machineConfigurationHash?: pulumi.Input<string | undefined>;
  /** The machine configuration to apply */
  machineConfigurationInput?: pulumi.Input<string | undefined>;
  /** The machine configuration to apply (write-only). */
  machineConfigurationInputWo?: pulumi.Input<string | undefined>;
  /** The name of the node to bootstrap */
  node?: pulumi.Input<string | undefined>;
  /** Actions to be taken on destroy, if *reset* is not set this is a no-op. */
  onDestroy?: pulumi.Input<inputs.machine.ConfigurationApplyOnDestroy | undefined>;
  /** The actual apply mode used. */
  resolvedApplyMode?: pulumi.Input<string | undefined>;
  timeouts?: pulumi.Input<inputs.machine.Timeout | undefined>;
}

/**
 * The set of arguments for constructing a ConfigurationApply resource.
 */
export interface ConfigurationApplyArgs {
  /**
   * The mode of the apply operation. Use 'staged_if_needing_reboot' for automatic reboot prevention:
   * performs a dry-run and uses 'staged' mode if reboot is needed, 'auto' otherwise.
   */
  applyMode?: pulumi.Input<string | undefined>;
  /** The client configuration data */
  clientConfiguration?: pulumi.Input<inputs.machine.ClientConfiguration | undefined>;
  /**
   * **NOTE:** This field is write-only and its value will not be updated in state as part of read operations.
   * The client configuration data (write-only). Use this instead of clientConfiguration when using ephemeral resources.
   */
  clientConfigurationWo?: pulumi.Input<inputs.machine.ConfigurationApplyClientConfigurationWo | undefined>;
  /** The list of config patches to apply */
  configPatches?: pulumi.Input<pulumi.Input<string>[] | undefined>;
  /** The endpoint of the machine to bootstrap */
  endpoint?: pulumi.Input<string | undefined>;
  /** The machine configuration to apply */
  machineConfigurationInput?: pulumi.Input<string | undefined>;
  /**
   * **NOTE:** This field is write-only and its value will not be updated in state as part of read operations.
   * The machine configuration to apply (write-only). Use this instead of machineConfigurationInput when using ephemeral resources.
   */
  machineConfigurationInputWo?: pulumi.Input<string | undefined>;
  /** The name of the node to bootstrap */
  node: pulumi.Input<string>;
  /** Actions to be taken on destroy, if *reset* is not set this is a no-op. */
  onDestroy?: pulumi.Input<inputs.machine.ConfigurationApplyOnDestroy | undefined>;
  timeouts?: pulumi.Input<inputs.machine.Timeout | undefined>;
}
