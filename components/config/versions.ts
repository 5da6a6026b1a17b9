/**
 * Version rules: the Talos release must be one whose config schema accepts
 * every document the program emits (components/lib/talos-support.ts), and the
 * Kubernetes release one that Talos release runs.
 */
import { describeTalosRange, kubernetesMinorsFor, supportedTalosMinors, talosMinor } from "../lib/talos-support";
import { versions } from "../lib/versions";

export interface VersionProblem {
  /** The key under `cluster` the problem belongs to. */
  field: "talosVersion" | "kubernetesVersion";
  message: string;
}

export function versionProblems(talosVersion: string, kubernetesVersion: string): VersionProblem[] {
  const minor = talosMinor(talosVersion);
  if (minor === undefined || !supportedTalosMinors.includes(minor)) {
    return [
      {
        field: "talosVersion",
        message: `${talosVersion} is outside the Talos releases this program supports (${describeTalosRange()}, the minors whose config schema accepts every document it emits); use one of them, like ${versions.talos}`,
      },
    ];
  }
  const kubernetesMinors = kubernetesMinorsFor(minor);
  if (kubernetesMinors === undefined) throw new Error(`no Kubernetes range recorded for supported Talos ${minor}`);
  const kubernetesMinor = kubernetesVersion.split(".").slice(0, 2).join(".");
  if (!kubernetesMinors.includes(kubernetesMinor)) {
    const range = `${kubernetesMinors[0] ?? ""} to ${kubernetesMinors[kubernetesMinors.length - 1] ?? ""}`;
    return [
      {
        field: "kubernetesVersion",
        message: `${kubernetesVersion} does not run on cluster.talosVersion ${talosVersion}, which supports Kubernetes ${range}; pick a release in that range or change cluster.talosVersion`,
      },
    ];
  }
  return [];
}
