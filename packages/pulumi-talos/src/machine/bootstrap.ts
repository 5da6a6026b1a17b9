// Local binding of @pulumiverse/talos v0.8.1: mirrors sdk/nodejs/machine/bootstrap.ts.

import * as pulumi from "@pulumi/pulumi";

import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * The machine bootstrap resource allows you to bootstrap a Talos node.
 */
export class Bootstrap extends pulumi.CustomResource {
  /**
   * Get an existing Bootstrap resource's state with the given name, ID, and optional extra
   * properties used to qualify the lookup.
   */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: BootstrapState, opts?: pulumi.CustomResourceOptions): Bootstrap {
    return new Bootstrap(name, state as BootstrapArgs, { ...opts, id: id });
  }

  /** @internal */
  public static readonly __pulumiType = "talos:machine/bootstrap:Bootstrap";

  /**
   * Returns true if the given object is an instance of Bootstrap. This is designed to work even
   * when multiple copies of the Pulumi SDK have been loaded into the same process.
   */
  public static isInstance(obj: unknown): obj is Bootstrap {
    return utilities.hasPulumiType(obj, Bootstrap.__pulumiType);
  }

  /** The client configuration data */
  declare public readonly clientConfiguration: pulumi.Output<outputs.machine.ClientConfiguration | undefined>;
  /**
   * **NOTE:** This field is write-only and its value will not be updated in state as part of read operations.
   * The client configuration data (write-only). Use this instead of clientConfiguration when using ephemeral resources.
   */
  declare public readonly clientConfigurationWo: pulumi.Output<outputs.machine.BootstrapClientConfigurationWo | undefined>;
  /** The endpoint of the machine to bootstrap */
  declare public readonly endpoint: pulumi.Output<string>;
  /** The name of the node to bootstrap */
  declare public readonly node: pulumi.Output<string>;
  declare public readonly timeouts: pulumi.Output<outputs.machine.BootstrapTimeouts | undefined>;

  /**
   * Create a Bootstrap resource with the given unique name, arguments, and options.
   *
   * @param name The _unique_ name of the resource.
   * @param args The arguments to use to populate this resource's properties.
   * @param opts A bag of options that control this resource's behavior.
   */
  constructor(name: string, args: BootstrapArgs, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, argsOrState?: BootstrapArgs | BootstrapState, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    opts = opts || {};
    if (opts.id) {
      const state = argsOrState as BootstrapState | undefined;
      resourceInputs["clientConfiguration"] = state?.clientConfiguration;
      resourceInputs["clientConfigurationWo"] = state?.clientConfigurationWo;
      resourceInputs["endpoint"] = state?.endpoint;
      resourceInputs["node"] = state?.node;
      resourceInputs["timeouts"] = state?.timeouts;
    } else {
      const args = argsOrState as BootstrapArgs | undefined;
      if (args?.node === undefined && !opts.urn) {
        throw new Error("Missing required property 'node'");
      }
      resourceInputs["clientConfiguration"] = args?.clientConfiguration;
      resourceInputs["clientConfigurationWo"] = args?.clientConfigurationWo ? pulumi.secret(args.clientConfigurationWo) : undefined;
      resourceInputs["endpoint"] = args?.endpoint;
      resourceInputs["node"] = args?.node;
      resourceInputs["timeouts"] = args?.timeouts;
    }
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
    const secretOpts = { additionalSecretOutputs: ["clientConfigurationWo"] };
    opts = pulumi.mergeOptions(opts, secretOpts);
    super(Bootstrap.__pulumiType, name, resourceInputs, opts);
  }
}

/**
 * Input properties used for looking up and filtering Bootstrap resources.
 */
export interface BootstrapState {
  /** The client configuration data */
  clientConfiguration?: pulumi.Input<inputs.machine.ClientConfiguration | undefined>;
  /** The client configuration data (write-only). */
  clientConfigurationWo?: pulumi.Input<inputs.machine.BootstrapClientConfigurationWo | undefined>;
  /** The endpoint of the machine to bootstrap */
  endpoint?: pulumi.Input<string | undefined>;
  /** The name of the node to bootstrap */
  node?: pulumi.Input<string | undefined>;
  timeouts?: pulumi.Input<inputs.machine.BootstrapTimeouts | undefined>;
}

/**
 * The set of arguments for constructing a Bootstrap resource.
 */
export interface BootstrapArgs {
  /** The client configuration data */
  clientConfiguration?: pulumi.Input<inputs.machine.ClientConfiguration | undefined>;
  /**
   * **NOTE:** This field is write-only and its value will not be updated in state as part of read operations.
   * The client configuration data (write-only). Use this instead of clientConfiguration when using ephemeral resources.
   */
  clientConfigurationWo?: pulumi.Input<inputs.machine.BootstrapClientConfigurationWo | undefined>;
  /** The endpoint of the machine to bootstrap */
  endpoint?: pulumi.Input<string | undefined>;
  /** The name of the node to bootstrap */
  node: pulumi.Input<string>;
  timeouts?: pulumi.Input<inputs.machine.BootstrapTimeouts | undefined>;
}
