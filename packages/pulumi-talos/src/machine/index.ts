// Local binding of @pulumiverse/talos v0.8.1: `talos.machine` (mirrors sdk/nodejs/machine/index.ts,
// without lazy loading; getDisks is not bound).

export type { BootstrapArgs, BootstrapState } from "./bootstrap";
export { Bootstrap } from "./bootstrap";
export type { ConfigurationApplyArgs, ConfigurationApplyState } from "./configurationApply";
export { ConfigurationApply } from "./configurationApply";
export type { GetConfigurationArgs, GetConfigurationOutputArgs, GetConfigurationResult } from "./getConfiguration";
export { getConfiguration, getConfigurationOutput } from "./getConfiguration";
export type { SecretsArgs, SecretsState } from "./secrets";
export { Secrets } from "./secrets";
