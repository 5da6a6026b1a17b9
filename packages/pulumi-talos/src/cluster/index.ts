// Local binding of @pulumiverse/talos v0.8.1: `talos.cluster` (mirrors sdk/nodejs/cluster/index.ts,
// without lazy loading; getKubeconfig is not bound).

export type { GetHealthArgs, GetHealthOutputArgs, GetHealthResult } from "./getHealth";
export { getHealth, getHealthOutput } from "./getHealth";
export type { KubeconfigArgs, KubeconfigState } from "./kubeconfig";
export { Kubeconfig } from "./kubeconfig";
