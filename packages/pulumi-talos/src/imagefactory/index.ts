// Local binding of @pulumiverse/talos v0.8.1: `talos.imagefactory` (mirrors sdk/nodejs/imagefactory/index.ts,
// without lazy loading; getExtensionsVersions/getOverlaysVersions/getVersions are not bound).
// The published SDK's top-level module is lower-case `imagefactory` (tokens keep `talos:imageFactory/...`).

export type { GetUrlsArgs, GetUrlsOutputArgs, GetUrlsResult } from "./getUrls";
export { getUrls, getUrlsOutput } from "./getUrls";
export type { SchematicArgs, SchematicState } from "./schematic";
export { Schematic } from "./schematic";
