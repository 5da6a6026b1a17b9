// Local binding of @pulumiverse/talos v0.8.1: `talos.client` (mirrors sdk/nodejs/client/index.ts,
// without lazy loading).

export { getConfiguration, getConfigurationOutput } from "./getConfiguration";
export type { GetConfigurationArgs, GetConfigurationResult, GetConfigurationOutputArgs } from "./getConfiguration";
