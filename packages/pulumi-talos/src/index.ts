// @pulumiverse/talos — local typed binding of the pulumiverse Talos provider v0.8.1
// (pulumiverse/pulumi-talos v0.8.1, which wraps siderolabs/terraform-provider-talos v0.11.0).
//
// Mirrors the module layout and names of the published npm package `@pulumiverse/talos@0.8.1`
// (sdk/nodejs of pulumiverse/pulumi-talos at tag v0.8.1), generated from the provider schema copied to
// ../schema/pulumi-talos-schema.json (byte-identical to provider/cmd/pulumi-resource-talos/schema.json at
// that tag). Resources and invokes register the same tokens with `version: "0.8.1"` and
// `pluginDownloadURL: "github://api.github.com/pulumiverse"`, so the engine runs the real provider plugin.
// Swapping to the published package is a one-line change of the dependency in the root package.json.
//
// Bound subset (the published SDK is a superset):
//   machine.Secrets, machine.ConfigurationApply, machine.Bootstrap, machine.getConfiguration(Output)
//   cluster.Kubeconfig, cluster.getHealth(Output)
//   client.getConfiguration(Output)
//   imagefactory.Schematic, imagefactory.getUrls(Output)   (lower-case module name, as published)
//   types.input / types.output for every object type those reference.
// Not bound: Provider, config, machine.getDisks, cluster.getKubeconfig,
//   imagefactory.getVersions/getExtensionsVersions/getOverlaysVersions.

import * as client from "./client";
import * as cluster from "./cluster";
import * as imagefactory from "./imagefactory";
import * as machine from "./machine";
import * as types from "./types";

export { client, cluster, imagefactory, machine, types };
