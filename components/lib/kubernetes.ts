/** Shapes shared by the layers that talk to Kubernetes. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * Annotations that make the Kubernetes provider wait until a custom resource
 * reports Ready, instead of treating "accepted by the API" as done (pulumi/pulumi-kubernetes#3134, the `pulumi.com/waitFor` annotation).
 */
export function waitForReady(timeoutSeconds: number): Record<string, string> {
  return { "pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": String(timeoutSeconds) };
}

/** A Helm chart pinned by repository, name and version. */
export interface PinnedChart {
  chart: string;
  version: string;
  repository?: string;
}

/**
 * Pod Security Admission labels for a namespace whose pods all meet the
 * `restricted` standard: enforced, and audited and warned at the same level so
 * a chart upgrade that loosens a pod shows up before it is refused.
 */
export function restrictedPodSecurity(): Record<string, string> {
  return Object.fromEntries(
    ["enforce", "audit", "warn"].flatMap((mode) => [
      [`pod-security.kubernetes.io/${mode}`, "restricted"],
      [`pod-security.kubernetes.io/${mode}-version`, "latest"],
    ]),
  );
}

/** A namespace the program creates: every one of them runs only `restricted`-compliant pods. */
export function restrictedNamespace(name: string): { metadata: ObjectMeta } {
  return { metadata: { name, labels: restrictedPodSecurity() } };
}
