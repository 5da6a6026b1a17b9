// Local binding of @pulumiverse/talos v0.8.1: `talos.machine` (mirrors sdk/nodejs/machine/index.ts,
// without lazy loading; getDisks is not bound).

export { Bootstrap } from "./bootstrap";
export type { BootstrapArgs, BootstrapState } from "./bootstrap";
export { ConfigurationApply } from "./configurationApply";
export type { ConfigurationApplyArgs, ConfigurationApplyState } from "./configurationApply";
export { getConfiguration, getConfigurationOutput } from "./getConfiguration";
export type { GetConfigurationArgs, GetConfigurationResult, GetConfigurationOutputArgs } from "./getConfiguration";
export { Secrets } from "./secrets";
export type { SecretsArgs, SecretsState } from "./secrets";
