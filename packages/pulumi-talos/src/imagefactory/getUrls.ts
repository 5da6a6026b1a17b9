// Local binding of @pulumiverse/talos v0.8.1: mirrors sdk/nodejs/imagefactory/getUrls.ts.

import * as pulumi from "@pulumi/pulumi";

import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * Generates URLs for different assets supported by the Talos image factory.
 *
 * ```typescript
 * const urls = talos.imagefactory.getUrlsOutput({
 *     talosVersion: "v1.7.5",
 *     schematicId: schematic.id,
 *     platform: "nocloud",
 * });
 * ```
 *
 * The schema has no per-property descriptions for this function; `urls` holds the asset URLs
 * (installer, installerSecureboot, iso, isoSecureboot, diskImage, ...).
 */
export function getUrls(args: GetUrlsArgs, opts?: pulumi.InvokeOptions): Promise<GetUrlsResult> {
  opts = utilities.invokeOptsDefaults(opts);
  return pulumi.runtime.invoke(
    "talos:imageFactory/getUrls:getUrls",
    {
      architecture: args.architecture,
      platform: args.platform,
      sbc: args.sbc,
      schematicId: args.schematicId,
      talosVersion: args.talosVersion,
    },
    opts,
  );
}

/**
 * A collection of arguments for invoking getUrls.
 */
export interface GetUrlsArgs {
  architecture?: string;
  platform?: string;
  sbc?: string;
  schematicId: string;
  talosVersion: string;
}

/**
 * A collection of values returned by getUrls.
 */
export interface GetUrlsResult {
  readonly architecture: string;
  readonly id: string;
  readonly platform?: string;
  readonly sbc?: string;
  readonly schematicId: string;
  readonly talosVersion: string;
  readonly urls: outputs.imageFactory.GetUrlsUrls;
}

/**
 * Generates URLs for different assets supported by the Talos image factory (Output form).
 */
export function getUrlsOutput(args: GetUrlsOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetUrlsResult> {
  opts = utilities.invokeOptsDefaults(opts);
  return pulumi.runtime.invokeOutput<GetUrlsResult>(
    "talos:imageFactory/getUrls:getUrls",
    {
      architecture: args.architecture,
      platform: args.platform,
      sbc: args.sbc,
      schematicId: args.schematicId,
      talosVersion: args.talosVersion,
    },
    opts,
  );
}

/**
 * A collection of arguments for invoking getUrls.
 */
export interface GetUrlsOutputArgs {
  architecture?: pulumi.Input<string | undefined>;
  platform?: pulumi.Input<string | undefined>;
  sbc?: pulumi.Input<string | undefined>;
  schematicId: pulumi.Input<string>;
  talosVersion: pulumi.Input<string>;
}
