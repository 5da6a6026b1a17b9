/** Shapes shared by the layers that talk to Kubernetes. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * Annotations that make the Kubernetes provider wait until a custom resource
 * reports Ready, instead of treating "accepted by the API" as done (K4).
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
