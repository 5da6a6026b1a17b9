/**
 * Kubernetes built-in kinds validated against the upstream Kubernetes OpenAPI schema, through the
 * `kubernetes-models` package (tommy351/kubernetes-models-ts, first-party/kubernetes-models at 4.5.1,
 * commit 40fa8cc): its scripts/generate.ts merges the OpenAPI specs of several Kubernetes releases, the
 * latest being v1.33.0, and compiles every definition into an ajv validator (`_schemas/IoK8sApi*.js`)
 * that each model's validate() runs. The cluster runs Kubernetes 1.36 (components/lib/versions.ts);
 * 5.x carries the v1.36.0 spec but declares Node >=22, which the project's supported Node 20 is not
 * (test/engines.test.ts). The kinds used here (Namespace, Secret, StorageClass, NetworkPolicy) have the
 * same schema in both.
 *
 * These validators check types, required fields, enums and formats, but (like the OpenAPI v2 spec
 * they come from) do not reject undeclared fields.
 */

/** Upstream Kubernetes API groups ("" is core). Other groups, `*.k8s.io` CRDs such as gateway.networking.k8s.io among them, need a CRD. */
const builtInGroups = new Set([
  "",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "apps",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "autoscaling",
  "batch",
  "certificates.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "events.k8s.io",
  "flowcontrol.apiserver.k8s.io",
  "internal.apiserver.k8s.io",
  "networking.k8s.io",
  "node.k8s.io",
  "policy",
  "rbac.authorization.k8s.io",
  "resource.k8s.io",
  "scheduling.k8s.io",
  "storage.k8s.io",
  "storagemigration.k8s.io",
]);

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "");

export const isBuiltInApiVersion = (apiVersion: string) => builtInGroups.has(groupOf(apiVersion));

type ModelClass = (new (data: Record<string, unknown>) => { validate(): void }) & { apiVersion?: string; kind?: string };
type ModelModule = Partial<Record<string, ModelClass>>;

/** `kubernetes-models/<apiVersion>` (e.g. `kubernetes-models/v1`, `kubernetes-models/storage.k8s.io/v1`), or undefined when it has none. */
async function modelsOf(apiVersion: string): Promise<ModelModule | undefined> {
  // One module per apiVersion, chosen by the object's own apiVersion.
  try {
    return (await (import(/* @vite-ignore */ `kubernetes-models/${apiVersion}`) as Promise<unknown>)) as ModelModule;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a built-in object, by its model's validate(): [] when valid, and a problem
 * (never a silent pass) when the apiVersion/kind has no model, so a kind the schemas do not know fails.
 */
export async function builtInProblems(object: Record<string, unknown>): Promise<string[]> {
  const apiVersion = String(object["apiVersion"]);
  const kind = String(object["kind"]);
  if (!isBuiltInApiVersion(apiVersion)) return [`${apiVersion} is not a built-in Kubernetes API group`];
  const Model = (await modelsOf(apiVersion))?.[kind];
  // Nested types (NetworkPolicySpec, …) are models too; only a top-level kind carries its apiVersion and kind.
  if (Model?.apiVersion !== apiVersion || Model.kind !== kind) return [`no kubernetes-models model for ${apiVersion} ${kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}
