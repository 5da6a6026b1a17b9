// Local binding of @pulumiverse/talos v0.8.1: mirrors sdk/nodejs/imagefactory/schematic.ts.

import * as pulumi from "@pulumi/pulumi";

import * as utilities from "../utilities";

/**
 * The image factory schematic resource allows you to create a schematic for a Talos image.
 * The resource `id` is the schematic ID to pass to `talos.imagefactory.getUrls`.
 */
export class Schematic extends pulumi.CustomResource {
  /**
   * Get an existing Schematic resource's state with the given name, ID, and optional extra
   * properties used to qualify the lookup.
   */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: SchematicState, opts?: pulumi.CustomResourceOptions): Schematic {
    return new Schematic(name, state as SchematicArgs | undefined, { ...opts, id: id });
  }

  /** @internal */
  public static readonly __pulumiType = "talos:imageFactory/schematic:Schematic";

  /**
   * Returns true if the given object is an instance of Schematic. This is designed to work even
   * when multiple copies of the Pulumi SDK have been loaded into the same process.
   */
  public static isInstance(obj: unknown): obj is Schematic {
    return utilities.hasPulumiType(obj, Schematic.__pulumiType);
  }

  /** The schematic yaml respresentation to generate the image. */
  declare public readonly schematic: pulumi.Output<string | undefined>;

  /**
   * Create a Schematic resource with the given unique name, arguments, and options.
   *
   * @param name The _unique_ name of the resource.
   * @param args The arguments to use to populate this resource's properties.
   * @param opts A bag of options that control this resource's behavior.
   */
  constructor(name: string, args?: SchematicArgs, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, argsOrState?: SchematicArgs | SchematicState, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    opts = opts || {};
    if (opts.id) {
      const state = argsOrState as SchematicState | undefined;
      resourceInputs["schematic"] = state?.schematic;
    } else {
      const args = argsOrState as SchematicArgs | undefined;
      resourceInputs["schematic"] = args?.schematic;
    }
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
    super(Schematic.__pulumiType, name, resourceInputs, opts);
  }
}

/**
 * Input properties used for looking up and filtering Schematic resources.
 */
export interface SchematicState {
  /** The schematic yaml respresentation to generate the image. */
  schematic?: pulumi.Input<string | undefined>;
}

/**
 * The set of arguments for constructing a Schematic resource.
 */
export interface SchematicArgs {
  /** The schematic yaml respresentation to generate the image. */
  schematic?: pulumi.Input<string | undefined>;
}
