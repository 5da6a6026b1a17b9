/**
 * Which Talos and Kubernetes versions this program can drive, as data the
 * config check reads at run time.
 *
 * The Talos minors come from `talos-minors.generated.ts`, written by
 * test/talos/schema-support.test.ts: a minor is supported when its upstream
 * config schema accepts every document the program emits. The Kubernetes
 * range of each minor is Talos's own rule.
 */
import { schemaSupportedTalosMinors } from "./talos-minors.generated";

export type TalosMinor = (typeof schemaSupportedTalosMinors)[number];

/** Talos minors in ascending order, oldest first. */
export const supportedTalosMinors: readonly string[] = schemaSupportedTalosMinors;

/**
 * `DefaultKubernetesVersion` of each Talos minor, read in siderolabs/talos
 * pkg/machinery/constants/constants.go at the named tag. Talos supports
 * `SupportedKubernetesVersions = 6` minors counted back from it (same file),
 * which pkg/machinery/compatibility/talos1XX/talos1XX.go encodes as
 * MinimumKubernetesVersion/MaximumKubernetesVersion (1.31.0 to 1.36.99 for
 * Talos 1.13) and KubernetesVersion.SupportedWith enforces.
 */
export const talosDefaultKubernetes: Readonly<Record<string, { tag: string; kubernetes: string }>> = {
  "1.11": { tag: "v1.11.6", kubernetes: "1.34.1" },
  "1.12": { tag: "v1.12.11", kubernetes: "1.35.4" },
  "1.13": { tag: "v1.13.9", kubernetes: "1.36.3" },
};
export const supportedKubernetesVersions = 6;

/** `v1.13.9` → `1.13`; undefined when the text is not a Talos release tag. */
export function talosMinor(talosVersion: string): string | undefined {
  const match = /^v(\d+)\.(\d+)\.\d+$/.exec(talosVersion);
  return match ? `${match[1]}.${match[2]}` : undefined;
}

/** The Kubernetes minors (`1.31`…`1.36`) a Talos minor runs, or undefined when the table does not know it. */
export function kubernetesMinorsFor(minor: string): string[] | undefined {
  const known = talosDefaultKubernetes[minor];
  if (known === undefined) return undefined;
  const newest = Number(known.kubernetes.split(".")[1]);
  return Array.from({ length: supportedKubernetesVersions }, (_, i) => `1.${newest - supportedKubernetesVersions + 1 + i}`);
}

/** `v1.12 to v1.13`, or `v1.13` for a single minor. */
export function describeTalosRange(minors: readonly string[] = supportedTalosMinors): string {
  const first = minors[0];
  const last = minors[minors.length - 1];
  if (first === undefined || last === undefined) return "no Talos release";
  return first === last ? `v${first}` : `v${first} to v${last}`;
}
