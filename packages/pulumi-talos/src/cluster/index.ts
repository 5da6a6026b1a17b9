// Local binding of @pulumiverse/talos v0.8.1: `talos.cluster` (mirrors sdk/nodejs/cluster/index.ts,
// without lazy loading; getKubeconfig is not bound).

export { getHealth, getHealthOutput } from "./getHealth";
export type { GetHealthArgs, GetHealthResult, GetHealthOutputArgs } from "./getHealth";
export { Kubeconfig } from "./kubeconfig";
export type { KubeconfigArgs, KubeconfigState } from "./kubeconfig";
