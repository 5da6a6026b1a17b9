/**
 * The gitops/ template as a working platform, proved on what Flux would apply:
 * every directory a Flux Kustomization points at builds with the real
 * `kubectl kustomize`, every object it emits validates (strictly) against the
 * CRD at the pinned upstream version, chart values validate against the
 * chart's own values.schema.json where it ships one, every chart version is a
 * Renovate-managed pin, and the scrape targets and alerts can fire and do not
 * fire falsely.
 */
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { builtInProblems, isBuiltInApiVersion } from "../support/kubernetes-models";
import { runExample, types } from "../support/program";
import { crdValidator, valuesValidator } from "../support/schemas";
import { kustomizeBuild, objectId } from "./kustomize";
import {
  crdSchema,
  gitopsRoot,
  isKustomizeConfig,
  isObject,
  isSecretTemplate,
  kustomizeInputs,
  listFiles,
  manifests,
  parseYamlFiles,
  unknownFields,
} from "./manifests";

const objects = manifests(parseYamlFiles(gitopsRoot));
const rootPath = "clusters/homelab";
const layerPaths = objects
  .filter((m) => m.object["kind"] === "Kustomization" && String(m.object["apiVersion"]).startsWith("kustomize.toolkit.fluxcd.io/"))
  .map((m) => posix.normalize((m.object["spec"] as { path: string }).path.replace(/^\.\//, "")));
const directories = [rootPath, ...layerPaths];
/** Every directory with a kustomization.yaml, including those a layer pulls in (apps/example). */
const kustomizationDirs = listFiles(gitopsRoot)
  .filter(isKustomizeConfig)
  .map((file) => posix.dirname(file));

/** apiVersion + kind → the upstream CRD copied into test/fixtures/schemas (see k8s-addons-schemas.sources.json). */
const crdFiles: Record<string, { file: string; version: string }> = {
  "kustomize.toolkit.fluxcd.io/v1 Kustomization": { file: "flux-kustomization.crd.yaml", version: "v1" },
  "source.toolkit.fluxcd.io/v1 HelmRepository": { file: "flux-helmrepository.crd.yaml", version: "v1" },
  "helm.toolkit.fluxcd.io/v2 HelmRelease": { file: "flux-helmrelease.crd.yaml", version: "v2" },
  "cert-manager.io/v1 ClusterIssuer": { file: "cert-manager-clusterissuer.crd.yaml", version: "v1" },
  "postgresql.cnpg.io/v1 Cluster": { file: "cnpg-cluster.crd.yaml", version: "v1" },
  "monitoring.coreos.com/v1 PodMonitor": { file: "prometheus-operator-podmonitors.crd.yaml", version: "v1" },
  "monitoring.coreos.com/v1 PrometheusRule": { file: "prometheus-operator-prometheusrules.crd.yaml", version: "v1" },
  "external-secrets.io/v1 ExternalSecret": { file: "eso-externalsecret.crd.yaml", version: "v1" },
  // Installed by Talos itself when kubernetesTalosAPIAccess is on (talos-service-account-crd.yaml, siderolabs/talos v1.13.9).
  "talos.dev/v1alpha1 ServiceAccount": { file: "talos-serviceaccount.crd.yaml", version: "v1alpha1" },
};

const builds = new Map(directories.map((dir) => [dir, kustomizeBuild(dir)]));
const built = [...builds.entries()].flatMap(([dir, build]) => (build.ok ? build.objects.map((object) => ({ dir, object })) : []));

describe("kubectl kustomize", () => {
  it("builds every directory that has a kustomization.yaml, Flux's roots among them", () => {
    expect(kustomizationDirs).toEqual(expect.arrayContaining(directories));
  });

  it.each(kustomizationDirs)("builds %s", (dir) => {
    const build = kustomizeBuild(dir);
    expect(build.ok ? "ok" : build.error).toBe("ok");
  });

  it.each(directories)("emits for %s exactly the objects of the files its kustomization.yaml lists", (dir) => {
    const build = builds.get(dir);
    if (build?.ok !== true) throw new Error(`${dir} does not build`);
    const listed = new Set(kustomizeInputs(gitopsRoot, dir).files);
    const fromFiles = objects.filter((m) => listed.has(m.file) && !String(m.object["apiVersion"]).startsWith("kustomize.config.k8s.io/"));
    expect(build.objects.map(objectId).sort()).toEqual(fromFiles.map((m) => objectId(m.object)).sort());
  });

  it("reports a broken directory with kustomize's own message (the check can fail)", () => {
    const build = kustomizeBuild("does-not-exist");
    expect(build.ok).toBe(false);
    if (!build.ok) expect(build.error).toMatch(/does-not-exist/);
  });
});

describe("every object Flux applies", () => {
  it("has a CRD fixture, or belongs to a built-in API group", () => {
    const unknown = built
      .map(({ dir, object }) => ({ dir, key: `${String(object["apiVersion"])} ${String(object["kind"])}` }))
      .filter(({ key }) => crdFiles[key] === undefined && !isBuiltInApiVersion(key))
      .map(({ dir, key }) => `${dir}: ${key} (copy its CRD into test/fixtures/schemas and list it in crdFiles)`);
    expect([...new Set(unknown)]).toEqual([]);
  });

  it.each(
    built
      .filter(({ object }) => crdFiles[`${String(object["apiVersion"])} ${String(object["kind"])}`] !== undefined)
      .map(({ dir, object }) => [objectId(object), dir, object] as const),
  )("%s (%s) is valid against its CRD, strictly", (_, __, object) => {
    const crd = crdFiles[`${String(object["apiVersion"])} ${String(object["kind"])}`];
    if (crd === undefined) throw new Error("no CRD");
    expect(crdValidator(crd.file, crd.version)(object)).toEqual([]);
    // apiVersion, kind and metadata are implicit at the root of every structural schema (Kubernetes
    // "Specifying a structural schema"); Talos's ServiceAccount CRD leaves them out.
    const implicit = ["/apiVersion", "/kind", "/metadata"];
    expect(unknownFields(crdSchema(crd.file, crd.version), object).filter((path) => !implicit.includes(path))).toEqual([]);
  });

  // Built-in kinds (Namespace, StorageClass, NetworkPolicy, Secret, CronJob, RBAC, …) against the
  // Kubernetes OpenAPI schema (test/support/kubernetes-models.ts); a built-in kind without a model fails.
  // The plaintext Secret templates are included: they are what the user encrypts and Flux applies.
  it.each(
    [...built, ...objects.filter((m) => isSecretTemplate(m.file)).map((m) => ({ dir: m.file, object: m.object }))]
      .filter(({ object }) => isBuiltInApiVersion(String(object["apiVersion"])))
      .map(({ dir, object }) => [objectId(object), dir, object] as const),
  )("%s (%s) is valid against the Kubernetes OpenAPI schema", async (_, __, object) => {
    expect(await builtInProblems(object)).toEqual([]);
  });

  it("the built-in check can fail: a wrong StorageClass, a wrong NetworkPolicy, a kind with no model", async () => {
    const storageClass = built.find(({ object }) => object["kind"] === "StorageClass")?.object;
    expect(storageClass).toBeDefined();
    expect(await builtInProblems({ ...storageClass, reclaimPolicy: "Keep", allowVolumeExpansion: "yes" })).toEqual([
      "data/allowVolumeExpansion must be boolean, data/reclaimPolicy must be equal to one of the allowed values",
    ]);
    const { provisioner: _dropped, ...noProvisioner } = storageClass ?? {};
    expect(await builtInProblems(noProvisioner)).toEqual(["data must have required property provisioner"]);
    const policy = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "deny", namespace: "default" },
      spec: { podSelector: {}, policyTypes: ["Inbound"], ingress: [{ ports: [{ port: 80, protocol: "HTTP" }] }] },
    };
    expect(await builtInProblems(policy)).toEqual([
      "data/spec/ingress/0/ports/0/protocol must be equal to one of the allowed values, data/spec/policyTypes/0 must be equal to one of the allowed values",
    ]);
    expect(await builtInProblems({ ...policy, spec: { podSelector: {} } })).toEqual([]);
    expect(await builtInProblems({ apiVersion: "v1", kind: "NoSuchKind", metadata: { name: "x" } })).toEqual([
      "no kubernetes-models model for v1 NoSuchKind",
    ]);
    expect(await builtInProblems({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicySpec", podSelector: {} })).toEqual([
      "no kubernetes-models model for networking.k8s.io/v1 NetworkPolicySpec",
    ]);
    expect(await builtInProblems({ apiVersion: "storage.k8s.io/v9", kind: "StorageClass", provisioner: "x" })).toEqual([
      "no kubernetes-models model for storage.k8s.io/v9 StorageClass",
    ]);
  });
});

interface HelmRelease {
  metadata: { name: string; namespace: string };
  spec: {
    chart: { spec: { chart: string; version: string; sourceRef: { kind: string; name: string } } };
    values?: Record<string, unknown>;
  };
}
interface HelmRepository {
  metadata: { name: string; namespace: string };
  spec: { url: string };
}
const ofKind = (kind: string) => built.filter(({ object }) => object["kind"] === kind);
const releases = ofKind("HelmRelease").map(({ dir, object }) => ({ dir, object: object as unknown as HelmRelease }));
const repositories = ofKind("HelmRepository").map(({ dir, object }) => ({ dir, object: object as unknown as HelmRepository }));

/**
 * Each chart's values.schema.json at the pinned version, with the chart's values.yaml (Helm validates
 * the user's values merged over the defaults), or, for a chart that ships no schema, its values.yaml:
 * then every key the release sets must exist in the defaults, which catches a misspelt key.
 * Provenance: test/fixtures/schemas/k8s-addons-schemas.sources.json.
 */
const chartValues: Record<string, { schema?: string; defaults: string }> = {
  "cert-manager": { schema: "cert-manager-chart.values.schema.json", defaults: "cert-manager-chart.values.yaml" },
  "cloudnative-pg": { schema: "cloudnative-pg-chart.values.schema.json", defaults: "cloudnative-pg-chart.values.yaml" },
  // ceph/ceph-csi charts/ceph-csi-rbd (v3.12.2) and prometheus-community/helm-charts
  // charts/kube-prometheus-stack (88.5.3) ship no values.schema.json.
  "ceph-csi-rbd": { defaults: "ceph-csi-rbd-chart.values.yaml" },
  "kube-prometheus-stack": { defaults: "kube-prometheus-stack-chart.values.yaml" },
};
const schemaDir = join(__dirname, "..", "fixtures", "schemas");
const defaultsOf = (file: string) => parseYaml(readFileSync(join(schemaDir, file), "utf8")) as Record<string, unknown>;

/** Paths of `values` whose key is not in `defaults` (objects are walked; lists and scalars are leaves). */
function keysMissingFrom(defaults: unknown, values: unknown, path = ""): string[] {
  if (!isObject(values)) return [];
  if (!isObject(defaults)) return [path];
  return Object.entries(values).flatMap(([key, value]) =>
    key in defaults ? keysMissingFrom(defaults[key], value, `${path}.${key}`) : [`${path}.${key}`],
  );
}

describe("HelmReleases", () => {
  it("exist for storage, certificates, databases and monitoring", () => {
    expect(releases.map(({ object }) => object.spec.chart.spec.chart).sort()).toEqual(Object.keys(chartValues).sort());
  });

  it.each(releases.map(({ object }) => [object.spec.chart.spec.chart, object] as const))(
    "%s has values the chart accepts",
    (chart, release) => {
      const known = chartValues[chart];
      if (known === undefined) throw new Error(`${chart}: add its values schema (or values.yaml) to chartValues`);
      const values = release.spec.values ?? {};
      if (known.schema !== undefined) expect(valuesValidator(known.schema, known.defaults)(values)).toEqual([]);
      else expect(keysMissingFrom(defaultsOf(known.defaults), values)).toEqual([]);
    },
  );

  it("the values checks catch a misspelt key (negative controls)", () => {
    const certManager = chartValues["cert-manager"];
    expect(valuesValidator(certManager?.schema ?? "", certManager?.defaults)({ crds: { enabeld: true } })).not.toEqual([]);
    expect(
      keysMissingFrom(defaultsOf("kube-prometheus-stack-chart.values.yaml"), { prometheus: { prometheusSpec: { retension: "7d" } } }),
    ).toEqual([".prometheus.prometheusSpec.retension"]);
  });

  it("kube-prometheus-stack: says where alerts go, since the chart's own route ends at a receiver that sends nothing", () => {
    // Helm merges the release's values over the chart's values.yaml: maps key by key, lists whole.
    interface Receiver extends Record<string, unknown> {
      name: string;
    }
    interface AlertmanagerValues {
      alertmanager?: { enabled?: boolean; config?: { route?: { receiver?: string }; receivers?: Receiver[] } };
    }
    const release = releases.find(({ object }) => object.spec.chart.spec.chart === "kube-prometheus-stack")?.object;
    const values = (release?.spec.values ?? {}) as AlertmanagerValues;
    const defaults = defaultsOf("kube-prometheus-stack-chart.values.yaml") as AlertmanagerValues;
    expect(values.alertmanager?.enabled ?? defaults.alertmanager?.enabled).toBe(true);
    const route = values.alertmanager?.config?.route?.receiver ?? defaults.alertmanager?.config?.route?.receiver;
    const receivers = values.alertmanager?.config?.receivers ?? defaults.alertmanager?.config?.receivers ?? [];
    const sending = receivers.find((r) => r.name === route && Object.keys(r).some((key) => key.endsWith("_configs")));
    if (sending !== undefined) return;
    // Nothing leaves the cluster: the README must say so and say how to add a receiver.
    expect(route).toBe("null");
    const readme = readFileSync(join(gitopsRoot, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Where alerts go"));
    expect(readme).toContain("## Where alerts go");
    expect(section).toContain("`null` receiver");
    expect(section).toContain("alertmanager.config");
    expect(section).toContain("alertmanagerSpec.secrets");
  });

  it.each(releases.map(({ object }) => [object.metadata.name, object] as const))(
    "%s pins an exact chart version from a HelmRepository in its own namespace",
    (_, release) => {
      const { version, sourceRef } = release.spec.chart.spec;
      expect(version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(sourceRef.kind).toBe("HelmRepository");
      const repository = repositories.find(
        ({ object }) => object.metadata.name === sourceRef.name && object.metadata.namespace === release.metadata.namespace,
      );
      expect(repository?.object.spec.url).toMatch(/^https:\/\//);
    },
  );
});

describe("Renovate", () => {
  const renovate = JSON.parse(readFileSync(join(__dirname, "..", "..", "renovate.json"), "utf8")) as {
    customManagers: { managerFilePatterns: string[]; matchStrings: string[] }[];
  };
  const manager = renovate.customManagers.find((m) =>
    m.managerFilePatterns.some((p) => new RegExp(p.slice(1, -1)).test("gitops/a/b.yaml")),
  );
  const found = (text: string) =>
    (manager?.matchStrings ?? []).flatMap((pattern) => [...text.matchAll(new RegExp(pattern, "g"))].map((m) => ({ ...m.groups })));

  it.each(releases.map(({ dir, object }) => [object.metadata.name, dir, object] as const))(
    "finds the chart version of %s (%s), with the repository Flux pulls it from",
    (_, dir, release) => {
      const { chart, version, sourceRef } = release.spec.chart.spec;
      const repository = repositories.find(({ object }) => object.metadata.name === sourceRef.name);
      const files = kustomizeInputs(gitopsRoot, dir).files.map((f) => readFileSync(join(gitopsRoot, f), "utf8"));
      expect(files.flatMap(found)).toContainEqual({
        datasource: "helm",
        depName: chart,
        registryUrl: repository?.object.spec.url,
        currentValue: version,
      });
    },
  );

  it("would miss a version without its comment (the check can fail)", () => {
    expect(found("    spec:\n      chart: cert-manager\n      version: v1.21.1\n")).toEqual([]);
  });
});

describe("PodMonitors scrape what the program installs", () => {
  interface PodMonitor {
    metadata: { name: string; namespace: string };
    spec: {
      namespaceSelector: { matchNames: string[] };
      selector: { matchLabels: Record<string, string> };
      podMetricsEndpoints: { port: string }[];
    };
  }
  const monitors = ofKind("PodMonitor").map(({ object }) => object as unknown as PodMonitor);

  // The charts label their pods app.kubernetes.io/name = chart name (no nameOverride set) and
  // app.kubernetes.io/instance = release name ("flux-operator.selectorLabels" in
  // controlplaneio-fluxcd/charts charts/flux-operator/templates/_helpers.tpl; "external-secrets.selectorLabels"
  // in external-secrets/external-secrets deploy/charts/external-secrets/templates/_helpers.tpl, v2.9.0), and
  // name the metrics container port http-metrics (flux-operator templates/deployment.yaml) and metrics
  // (external-secrets templates/deployment.yaml).
  it.each([
    ["flux-operator", "http-metrics"],
    ["external-secrets", "metrics"],
  ])("selects the pods of the %s Helm release the program registers, on port %s", async (release, port) => {
    const run = await runExample();
    const registered = run.one(types.release, release).inputs as {
      name: string;
      chart: string;
      namespace: string;
      values?: Record<string, unknown>;
    };
    expect(registered.values?.["nameOverride"]).toBeUndefined();
    const monitor = monitors.find((m) => m.spec.namespaceSelector.matchNames.includes(registered.namespace));
    expect(monitor?.spec.selector.matchLabels).toEqual({
      // An OCI chart reference ends in the chart's name.
      "app.kubernetes.io/name": registered.chart.split("/").pop(),
      "app.kubernetes.io/instance": registered.name,
    });
    expect(monitor?.spec.podMetricsEndpoints.map((e) => e.port)).toEqual([port]);
  });
});

/**
 * The references between layers, by name: a StorageClass whose secret parameters name a Secret
 * nobody ships, or a clusterID the driver was not configured with, provisions nothing, and
 * kubectl kustomize and the CRD schemas cannot see it. Secret names and namespaces are the
 * ones the external-provisioner and kubelet read (ceph/ceph-csi examples/rbd/storageclass.yaml
 * and charts/ceph-csi-rbd values.yaml `driverName`, v3.12.2); the ClusterIssuer reads its CA
 * from cert-manager's own namespace (chart value clusterResourceNamespace "" = the release
 * namespace, cert-manager/cert-manager deploy/charts/cert-manager/values.yaml, v1.21.1).
 */
describe("cross-layer references", () => {
  const find = (kind: string, name?: string) =>
    objects.filter((m) => m.object["kind"] === kind && (name === undefined || (m.object["metadata"] as { name: string }).name === name));
  const secretTemplates = objects.filter((m) => m.object["kind"] === "Secret" && m.file.endsWith(".secret.example.yaml"));
  const shipsSecret = (name: string, namespace: string) =>
    secretTemplates.some((m) => {
      const meta = m.object["metadata"] as { name: string; namespace?: string };
      return meta.name === name && meta.namespace === namespace;
    });
  const cephRelease = releases.find(({ object }) => object.spec.chart.spec.chart === "ceph-csi-rbd")?.object;

  it("the Ceph StorageClass names the shipped Secret, the driver's name and the configured clusterID", () => {
    const [storageClass] = find("StorageClass").map((m) => m.object as { provisioner: string; parameters: Record<string, string> });
    if (storageClass === undefined) throw new Error("no StorageClass");
    const { parameters } = storageClass;
    for (const use of ["provisioner", "controller-expand", "node-stage"]) {
      const name = parameters[`csi.storage.k8s.io/${use}-secret-name`] ?? "";
      const namespace = parameters[`csi.storage.k8s.io/${use}-secret-namespace`] ?? "";
      expect(shipsSecret(name, namespace), `${use}: ${namespace}/${name}`).toBe(true);
    }
    expect(storageClass.provisioner).toBe(defaultsOf("ceph-csi-rbd-chart.values.yaml")["driverName"]);
    const csiConfig = (cephRelease?.spec.values as { csiConfig?: { clusterID: string }[] } | undefined)?.csiConfig ?? [];
    expect(csiConfig.map((c) => c.clusterID)).toContain(parameters["clusterID"]);
  });

  it("the PostgreSQL Cluster uses the shipped superuser Secret and an existing StorageClass", () => {
    const [cluster] = find("Cluster").map((m) => m.object as { metadata: { namespace: string }; spec: Record<string, unknown> });
    const spec = cluster?.spec as { superuserSecret: { name: string }; storage: { storageClass: string } };
    expect(shipsSecret(spec.superuserSecret.name, cluster?.metadata.namespace ?? "")).toBe(true);
    expect(find("StorageClass", spec.storage.storageClass)).toHaveLength(1);
  });

  it("the ClusterIssuer's CA Secret is shipped in cert-manager's namespace", () => {
    const [issuer] = find("ClusterIssuer").map((m) => m.object as { spec: { ca: { secretName: string } } });
    const certManager = releases.find(({ object }) => object.spec.chart.spec.chart === "cert-manager")?.object;
    expect((certManager?.spec.values as { clusterResourceNamespace?: string } | undefined)?.clusterResourceNamespace ?? "").toBe("");
    expect(shipsSecret(issuer?.spec.ca.secretName ?? "", certManager?.metadata.namespace ?? "")).toBe(true);
  });

  it("would notice a Secret nobody ships (negative control)", () => {
    expect(shipsSecret("csi-rbd-secret", "default")).toBe(false);
    expect(shipsSecret("csi-rbd-secret", "ceph-csi-rbd")).toBe(true);
  });
});
