// Local binding of @pulumiverse/talos v0.8.1: `talos.client` (mirrors sdk/nodejs/client/index.ts,
// without lazy loading).

export type { GetConfigurationArgs, GetConfigurationOutputArgs, GetConfigurationResult } from "./getConfiguration";
export { getConfiguration, getConfigurationOutput } from "./getConfiguration";
