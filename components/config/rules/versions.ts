/** The Talos release supports what the program emits, and runs the Kubernetes release (components/config/versions.ts). */
import type { Rule } from "../parsed";
import { versionProblems } from "../versions";

export const supportedVersions: Rule = ({ cluster, key }) => {
  const { talosVersion, kubernetesVersion } = cluster.valid;
  if (talosVersion === undefined) return [];
  // A malformed kubernetesVersion is already reported; only the Talos rule can run without it.
  return versionProblems(talosVersion, kubernetesVersion ?? "")
    .filter(({ field }) => kubernetesVersion !== undefined || field === "talosVersion")
    .map(({ field, message }) => ({ key: key("cluster", [field]), message }));
};
