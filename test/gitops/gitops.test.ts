/**
 * The gitops/ template repository: every file parses, every Flux Kustomization
 * and ExternalSecret is valid against the upstream CRDs, the layers form the
 * acyclic graph the secrets strategy needs (storage never behind External
 * Secrets), SOPS layers decrypt, and the alerts for the two failure modes exist.
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { undecryptableSopsFiles } from "../../components/config/sops";
import { fluxNamespace, sopsAgeSecretName } from "../../components/flux/documents";
import { clusterSecretStoreName } from "../../components/secrets/documents";
import { crdValidator } from "../support/schemas";
import { type DependencyGraph, layeringViolations, missingDependencies, pathTo, topologicalOrder, transitiveDependencies } from "./graph";
import {
  apiGroup,
  crdSchema,
  gitopsRoot,
  isKustomizeConfig,
  isObject,
  isSecretTemplate,
  isSopsFile,
  kustomizeInputs,
  listFiles,
  type Manifest,
  manifests,
  parseYamlFiles,
  unknownFields,
} from "./manifests";

/** The FluxInstance syncs this path (homelab:flux.path default); its Kustomization is `flux-system`. */
const rootPath = "clusters/homelab";
const rootSourceName = "flux-system";

const files = listFiles(gitopsRoot);
const parsed = parseYamlFiles(gitopsRoot);
const objects = manifests(parsed);

const ofKind = (apiVersionPrefix: string, kind: string) =>
  objects.filter((m) => m.object["kind"] === kind && String(m.object["apiVersion"]).startsWith(apiVersionPrefix));

interface FluxKustomization {
  apiVersion: string;
  kind: "Kustomization";
  metadata: { name: string; namespace?: string };
  spec: {
    interval?: string;
    path?: string;
    prune?: boolean;
    wait?: boolean;
    sourceRef?: { kind?: string; name?: string; namespace?: string };
    dependsOn?: { name: string; namespace?: string }[];
    decryption?: { provider?: string; secretRef?: { name?: string } };
    healthChecks?: { apiVersion?: string; kind: string; name: string; namespace?: string }[];
  };
}

const fluxKustomizations = ofKind("kustomize.toolkit.fluxcd.io/", "Kustomization").map((m) => ({
  file: m.file,
  ks: m.object as unknown as FluxKustomization,
}));
const byName = new Map(fluxKustomizations.map(({ ks }) => [ks.metadata.name, ks]));
const layerDir = (ks: FluxKustomization) => posix.normalize((ks.spec.path ?? "").replace(/^\.\//, ""));
/** Every file under the layer's directory, recursively: a superset of what it builds. */
const filesUnder = (dir: string) => files.filter((f) => f.startsWith(`${dir}/`));

const dependsOnGraph = (): DependencyGraph =>
  new Map(fluxKustomizations.map(({ ks }) => [ks.metadata.name, (ks.spec.dependsOn ?? []).map((d) => d.name)]));

/** A layer is ESO-related when its directory holds any external-secrets.io object or it health-checks one. */
function isEsoRelated(ks: FluxKustomization): boolean {
  const dir = layerDir(ks);
  const holdsEsoObject = objects.some((m) => m.file.startsWith(`${dir}/`) && apiGroup(m.object["apiVersion"]) === "external-secrets.io");
  const gatesOnEso = (ks.spec.healthChecks ?? []).some((h) => apiGroup(h.apiVersion) === "external-secrets.io");
  return holdsEsoObject || gatesOnEso;
}

/** Layers 0-2: they hold SOPS secrets (or their templates), so they must work without External Secrets. */
const holdsLayer0to2Secrets = (ks: FluxKustomization) => filesUnder(layerDir(ks)).some((f) => isSopsFile(f) || isSecretTemplate(f));
const isStorage = (ks: FluxKustomization) => /storage/.test(ks.metadata.name) || /storage/.test(layerDir(ks));

describe("gitops/ files", () => {
  it("holds the expected skeleton", () => {
    for (const required of [
      "README.md",
      ".sops.yaml",
      `${rootPath}/kustomization.yaml`,
      "infrastructure/storage/kustomization.yaml",
      "infrastructure/cert-manager/kustomization.yaml",
      "infrastructure/databases/kustomization.yaml",
      "infrastructure/cert-manager-issuer/kustomization.yaml",
      "infrastructure/cloudnative-pg/kustomization.yaml",
      "infrastructure/monitoring/kustomization.yaml",
      "infrastructure/external-secrets-store/kustomization.yaml",
      "apps/kustomization.yaml",
      "apps/example/kustomization.yaml",
      "monitoring/kustomization.yaml",
    ]) {
      expect(files, required).toContain(required);
    }
  });

  it("parses every YAML file, every document, without error", () => {
    expect(parsed.length).toBeGreaterThan(15);
    expect(parsed.flatMap((p) => p.errors)).toEqual([]);
    for (const p of parsed) expect(p.documents.length, `${p.file} has no document`).toBeGreaterThan(0);
  });

  it("gives every Kubernetes object a name, and a namespace where the kind is namespaced", () => {
    const clusterScoped = new Set([
      "Namespace",
      "ClusterSecretStore",
      "ClusterRole",
      "ClusterRoleBinding",
      "CustomResourceDefinition",
      "ClusterIssuer",
      "StorageClass",
    ]);
    const problems: string[] = [];
    for (const { file, object } of objects) {
      const metadata = object["metadata"];
      if (isKustomizeConfigObject(object)) continue;
      if (!isObject(metadata) || typeof metadata["name"] !== "string")
        problems.push(`${file}: ${String(object["kind"])} without metadata.name`);
      else if (!clusterScoped.has(String(object["kind"])) && typeof metadata["namespace"] !== "string")
        problems.push(`${file}: ${String(object["kind"])}/${metadata["name"]} has no namespace`);
    }
    expect(problems).toEqual([]);
  });

  it("commits no age private key anywhere", () => {
    const identity = /AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}/i;
    const offenders = files.filter((f) => identity.test(readFileSync(join(gitopsRoot, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});

function isKustomizeConfigObject(object: Record<string, unknown>): boolean {
  return String(object["apiVersion"]).startsWith("kustomize.config.k8s.io/");
}

describe("kustomize wiring", () => {
  const roots = [rootPath, ...fluxKustomizations.map(({ ks }) => layerDir(ks))];

  it("gives every directory Flux builds a kustomization.yaml whose entries all exist", () => {
    const problems = roots.flatMap((dir) => kustomizeInputs(gitopsRoot, dir).problems);
    expect(problems).toEqual([]);
  });

  it("never applies a plaintext secret template", () => {
    const referenced = roots.flatMap((dir) => kustomizeInputs(gitopsRoot, dir).files);
    expect(referenced.filter(isSecretTemplate)).toEqual([]);
  });

  it("applies every manifest exactly once: no orphans, no object owned by two Kustomizations", () => {
    const owners = new Map<string, string[]>();
    for (const dir of roots) {
      for (const file of kustomizeInputs(gitopsRoot, dir).files) owners.set(file, [...(owners.get(file) ?? []), dir]);
    }
    // .github/ holds the repository's CI (the sops-guard job), not cluster manifests.
    const manifestsFiles = files.filter(
      (f) =>
        /\.ya?ml$/.test(f) &&
        !isKustomizeConfig(f) &&
        !isSecretTemplate(f) &&
        posix.basename(f) !== ".sops.yaml" &&
        !f.startsWith(".github/"),
    );
    const orphans = manifestsFiles.filter((f) => !owners.has(f));
    const shared = manifestsFiles.filter((f) => (owners.get(f) ?? []).length > 1).map((f) => `${f}: ${(owners.get(f) ?? []).join(", ")}`);
    expect(orphans).toEqual([]);
    expect(shared).toEqual([]);
  });

  it("lists exactly the Flux Kustomizations of the cluster in the root kustomization.yaml", () => {
    const { files: built } = kustomizeInputs(gitopsRoot, rootPath);
    const builtKustomizations = objects.filter((m) => built.includes(m.file) && !isKustomizeConfigObject(m.object));
    expect(builtKustomizations.map((m) => `${String(m.object["apiVersion"])} ${String(m.object["kind"])}`)).toEqual(
      builtKustomizations.map(() => "kustomize.toolkit.fluxcd.io/v1 Kustomization"),
    );
    expect(new Set(builtKustomizations.map((m) => m.file))).toEqual(new Set(fluxKustomizations.map((k) => k.file)));
  });

  it("ships every secret template as a plaintext Secret of placeholders", () => {
    const templates = files.filter(isSecretTemplate);
    expect(templates.length).toBeGreaterThanOrEqual(3);
    for (const file of templates) {
      const secrets = objects.filter((m) => m.file === file);
      expect(
        secrets.map((m) => m.object["kind"]),
        file,
      ).toEqual(["Secret"]);
      const object = (secrets[0] as Manifest).object;
      expect(object["data"], `${file}: use stringData placeholders, not data`).toBeUndefined();
      expect(JSON.stringify(object["stringData"]), file).toMatch(/REPLACE_ME/);
      // A committed *.sops.yaml must be encrypted: the program's preflight rejects plaintext ones.
      expect(isSopsFile(file), file).toBe(false);
    }
  });
});

describe("Flux Kustomizations", () => {
  const validate = crdValidator("flux-kustomization.crd.yaml", "v1");
  const schema = crdSchema("flux-kustomization.crd.yaml", "v1");

  it("defines the layers of the platform", () => {
    expect([...byName.keys()].sort()).toEqual(
      [
        "apps",
        "infra-cert-manager",
        "infra-cert-manager-issuer",
        "infra-database-operator",
        "infra-databases",
        "infra-external-secrets-store",
        "infra-monitoring",
        "infra-storage",
        "infra-talos-backup",
        "monitoring",
      ].sort(),
    );
  });

  it.each(fluxKustomizations.map(({ file, ks }) => [ks.metadata.name, file, ks] as const))(
    "%s (%s) is valid against the v1 CRD, strictly",
    (_, __, ks) => {
      expect(ks.apiVersion).toBe("kustomize.toolkit.fluxcd.io/v1");
      expect(validate(ks)).toEqual([]);
      expect(unknownFields(schema, ks)).toEqual([]);
    },
  );

  it.each(fluxKustomizations.map(({ ks }) => [ks.metadata.name, ks] as const))(
    "%s syncs from the root GitRepository with prune, interval and a health gate",
    (_, ks) => {
      expect(ks.metadata.namespace).toBe(fluxNamespace);
      expect(ks.spec.sourceRef).toEqual({ kind: "GitRepository", name: rootSourceName });
      expect(ks.spec.prune).toBe(true);
      expect(ks.spec.interval).toMatch(/^\d+[smh]$/);
      expect(ks.spec.path).toMatch(/^\.\/[\w./-]+$/);
      expect(files, `${ks.spec.path} has no kustomization.yaml`).toContain(`${layerDir(ks)}/kustomization.yaml`);
      // wait: true health-checks what the layer applies; a layer that applies nothing to wait
      // for must name its healthChecks instead (Flux ignores healthChecks when wait is true).
      if (ks.spec.wait !== true)
        expect(ks.spec.healthChecks ?? [], `${ks.metadata.name} has neither wait nor healthChecks`).not.toEqual([]);
    },
  );

  it("configures SOPS decryption on every layer that holds SOPS files or their templates", () => {
    const sopsLayers = fluxKustomizations.filter(({ ks }) => holdsLayer0to2Secrets(ks)).map(({ ks }) => ks.metadata.name);
    expect(sopsLayers.sort()).toEqual(["infra-cert-manager", "infra-databases", "infra-storage", "infra-talos-backup"]);
    for (const name of sopsLayers) {
      expect(byName.get(name)?.spec.decryption, name).toEqual({ provider: "sops", secretRef: { name: sopsAgeSecretName } });
    }
  });

  it("gates the External Secrets layer on the ClusterSecretStore Pulumi creates", () => {
    const gate = byName.get("infra-external-secrets-store");
    expect(gate?.spec.healthChecks).toEqual([
      { apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", name: clusterSecretStoreName },
    ]);
    expect(gate?.spec.wait).toBe(false);
  });
});

describe("the dependsOn graph", () => {
  const graph = dependsOnGraph();

  it("is exactly the layered graph of the secrets strategy", () => {
    expect(Object.fromEntries([...graph].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      "infra-storage": [],
      "infra-cert-manager": [],
      "infra-cert-manager-issuer": ["infra-cert-manager"],
      "infra-database-operator": [],
      "infra-databases": ["infra-database-operator", "infra-storage"],
      "infra-monitoring": [],
      monitoring: ["infra-monitoring"],
      "infra-external-secrets-store": ["infra-storage"],
      // etcd snapshots wait for nothing: neither storage nor External Secrets can stop the backups.
      "infra-talos-backup": [],
      apps: ["infra-cert-manager-issuer", "infra-databases", "infra-external-secrets-store", "infra-storage"],
    });
  });

  it("only names Kustomizations that exist, in the same namespace", () => {
    expect(missingDependencies(graph)).toEqual([]);
    for (const { ks } of fluxKustomizations) {
      for (const dep of ks.spec.dependsOn ?? [])
        expect(dep.namespace ?? fluxNamespace, `${ks.metadata.name} → ${dep.name}`).toBe(fluxNamespace);
    }
  });

  it("is acyclic: a topological order exists", () => {
    const result = topologicalOrder(graph);
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.order).toHaveLength(graph.size);
    for (const [node, deps] of graph) {
      for (const dep of deps) expect(result.order.indexOf(dep), `${dep} before ${node}`).toBeLessThan(result.order.indexOf(node));
    }
  });

  it("classifies the layers: only apps holds ExternalSecrets, only the store layer gates on ESO", () => {
    const esoRelated = fluxKustomizations.filter(({ ks }) => isEsoRelated(ks)).map(({ ks }) => ks.metadata.name);
    expect(esoRelated.sort()).toEqual(["apps", "infra-external-secrets-store"]);
  });

  it("never puts storage behind External Secrets, directly or transitively", () => {
    const storage = fluxKustomizations.filter(({ ks }) => isStorage(ks)).map(({ ks }) => ks.metadata.name);
    expect(storage).toEqual(["infra-storage"]);
    const esoLayers = new Set(fluxKustomizations.filter(({ ks }) => isEsoRelated(ks)).map(({ ks }) => ks.metadata.name));
    expect(layeringViolations(graph, storage, (n) => esoLayers.has(n))).toEqual([]);
  });

  it("never puts a layer holding layer 0-2 (SOPS) secrets behind External Secrets", () => {
    const protectedLayers = fluxKustomizations.filter(({ ks }) => holdsLayer0to2Secrets(ks)).map(({ ks }) => ks.metadata.name);
    const esoLayers = new Set(fluxKustomizations.filter(({ ks }) => isEsoRelated(ks)).map(({ ks }) => ks.metadata.name));
    expect(protectedLayers.length).toBeGreaterThan(0);
    expect(layeringViolations(graph, protectedLayers, (n) => esoLayers.has(n))).toEqual([]);
  });

  it("keeps the alerts independent of what they watch: monitoring waits for neither storage nor External Secrets", () => {
    const esoLayers = new Set(fluxKustomizations.filter(({ ks }) => isEsoRelated(ks)).map(({ ks }) => ks.metadata.name));
    const monitoringLayers = fluxKustomizations.filter(({ ks }) => /monitoring/.test(ks.metadata.name)).map(({ ks }) => ks.metadata.name);
    expect(monitoringLayers.sort()).toEqual(["infra-monitoring", "monitoring"]);
    expect(layeringViolations(graph, monitoringLayers, (n) => esoLayers.has(n) || n === "infra-storage")).toEqual([]);
  });

  it("makes every layer holding ExternalSecrets wait for the External Secrets gate", () => {
    const holders = fluxKustomizations.filter(({ ks }) =>
      objects.some((m) => m.object["kind"] === "ExternalSecret" && m.file.startsWith(`${layerDir(ks)}/`)),
    );
    expect(holders.map(({ ks }) => ks.metadata.name)).toEqual(["apps"]);
    for (const { ks } of holders) expect(transitiveDependencies(graph, ks.metadata.name)).toContain("infra-external-secrets-store");
  });
});

describe("graph helpers catch what they should (negative controls)", () => {
  const g = (edges: Record<string, string[]>): DependencyGraph => new Map(Object.entries(edges));

  it("finds a cycle and reports it as a closed path", () => {
    const result = topologicalOrder(g({ a: ["b"], b: ["c"], c: ["a"], d: [] }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.cycle[0]).toBe(result.cycle[result.cycle.length - 1]);
    expect(new Set(result.cycle)).toEqual(new Set(["a", "b", "c"]));
  });

  it("finds a self-dependency", () => {
    expect(topologicalOrder(g({ a: ["a"] }))).toEqual({ ok: false, cycle: ["a", "a"] });
  });

  it("orders an acyclic graph dependencies-first", () => {
    const result = topologicalOrder(g({ apps: ["db", "storage"], db: ["storage"], storage: [] }));
    expect(result).toEqual({ ok: true, order: ["storage", "db", "apps"] });
  });

  it("reports dependsOn targets that do not exist", () => {
    expect(missingDependencies(g({ apps: ["infra-storage", "infra-databse"], "infra-storage": [] }))).toEqual([
      "apps depends on infra-databse, which does not exist",
    ]);
  });

  it("flags storage depending on an ESO layer, directly and transitively", () => {
    const eso = (n: string) => n === "eso";
    expect(layeringViolations(g({ storage: ["eso"], eso: [] }), ["storage"], eso)).toEqual([
      "storage → eso (eso is forbidden for storage)",
    ]);
    expect(layeringViolations(g({ storage: ["db"], db: ["certs"], certs: ["eso"], eso: ["storage"] }), ["storage"], eso)).toEqual([
      "storage → db → certs → eso (eso is forbidden for storage)",
    ]);
    expect(layeringViolations(g({ storage: [] }), ["storage"], (n) => n === "storage")).toEqual([
      "storage itself is forbidden for this layer",
    ]);
    expect(layeringViolations(g({ storage: [], eso: ["storage"] }), ["storage"], eso)).toEqual([]);
  });

  it("walks paths and transitive dependencies", () => {
    const graph = g({ a: ["b"], b: ["c"], c: [], d: ["a"] });
    expect(pathTo(graph, "d", (n) => n === "c")).toEqual(["d", "a", "b", "c"]);
    expect(pathTo(graph, "c", (n) => n === "a")).toBeUndefined();
    expect(transitiveDependencies(graph, "d")).toEqual(new Set(["a", "b", "c"]));
  });

  it("the strict field check catches a misspelt dependsOn", () => {
    const schema = crdSchema("flux-kustomization.crd.yaml", "v1");
    const typo = {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "infra-databases", namespace: "flux-system" },
      spec: {
        interval: "1h",
        prune: true,
        sourceRef: { kind: "GitRepository", name: "flux-system" },
        path: "./x",
        dependOn: [{ name: "infra-storage" }],
      },
    };
    // ajv alone accepts it (the CRD allows unknown fields; the API server would prune them) ...
    expect(crdValidator("flux-kustomization.crd.yaml", "v1")(typo)).toEqual([]);
    // ... the strict check does not.
    expect(unknownFields(schema, typo)).toEqual(["/spec/dependOn"]);
  });
});

describe("ExternalSecrets", () => {
  const externalSecrets = objects.filter((m) => m.object["kind"] === "ExternalSecret");
  const validate = crdValidator("eso-externalsecret.crd.yaml", "v1");
  const schema = crdSchema("eso-externalsecret.crd.yaml", "v1");

  it("exist in the template (SMTP and an OAuth client)", () => {
    expect(externalSecrets.length).toBeGreaterThanOrEqual(2);
  });

  it("are all external-secrets.io/v1 (v1beta1 is not served by ESO 2.x)", () => {
    const esoObjects = objects.filter((m) => apiGroup(m.object["apiVersion"]) === "external-secrets.io");
    expect(esoObjects.map((m) => `${m.file}: ${String(m.object["apiVersion"])}`)).toEqual(
      esoObjects.map((m) => `${m.file}: external-secrets.io/v1`),
    );
  });

  it.each(externalSecrets.map((m) => [m.file, m] as const))(
    "%s is valid against the v1 CRD, reads the onepassword ClusterSecretStore and works in both 1Password modes",
    (_, m) => {
      const object = m.object as unknown as OnePasswordExternalSecret;
      expect(validate(object)).toEqual([]);
      expect(unknownFields(schema, object)).toEqual([]);
      expect(object.spec.secretStoreRef).toEqual({ kind: "ClusterSecretStore", name: clusterSecretStoreName });
      expect(object.spec.target.name).toMatch(/^[a-z0-9-]+$/);
      expect(bothModesProblems(object)).toEqual([]);
      // The template names the Secret's keys; each one reads a field of the extracted item.
      const template = Object.entries(object.spec.target.template?.data ?? {});
      expect(template.length).toBeGreaterThan(0);
      for (const [key, value] of template) expect(value, key).toMatch(/^\{\{ (\.[\w]+|index \. "[^"]+") \}\}$/);
    },
  );

  it("the both-modes check rejects the Connect-only form the template used to ship (defect 5)", () => {
    const connectOnly: OnePasswordExternalSecret = {
      spec: {
        secretStoreRef: { kind: "ClusterSecretStore", name: clusterSecretStoreName },
        target: { name: "smtp-credentials" },
        data: [{ secretKey: "SMTP_PASSWORD", remoteRef: { key: "example-smtp", property: "password" } }],
      },
    };
    expect(bothModesProblems(connectOnly)).toEqual([
      "data[0] (SMTP_PASSWORD): remoteRef means item + property to Connect but op://<vault>/example-smtp to the SDK; use dataFrom.extract",
      "no dataFrom.extract entry",
    ]);
    const sdkOnly: OnePasswordExternalSecret = {
      spec: { ...connectOnly.spec, data: undefined, dataFrom: [{ extract: { key: "example-smtp/password" } }] },
    };
    expect(bothModesProblems(sdkOnly)).toEqual([
      "dataFrom[0]: extract.key example-smtp/password must be an item title (no /) for both providers to find the item",
    ]);
  });
});

interface OnePasswordExternalSecret {
  spec: {
    secretStoreRef: { kind: string; name: string };
    target: { name: string; template?: { data?: Record<string, string> } };
    data?: { secretKey: string; remoteRef: { key: string; property?: string } }[];
    dataFrom?: { extract?: { key: string; property?: string } }[];
  };
}

/**
 * Why an ExternalSecret would work with only one of the two `onepassword` ClusterSecretStore providers
 * (external-secrets/external-secrets v2.9.0). `data[].remoteRef` goes through GetSecret, where Connect
 * (providers/v1/onepassword/onepassword.go) looks the item up by title in `key` and the field by label
 * in `property`, while the SDK (providers/v1/onepasswordsdk/client.go) resolves the secret reference
 * `op://<vault>/<key>` and ignores `property`. `dataFrom.extract` goes through GetSecretMap, where both
 * find the item by title in `key` and return its fields keyed by label.
 */
function bothModesProblems(es: OnePasswordExternalSecret): string[] {
  const problems = (es.spec.data ?? []).map(
    (entry, i) =>
      `data[${i}] (${entry.secretKey}): remoteRef means item + property to Connect but op://<vault>/${entry.remoteRef.key} to the SDK; use dataFrom.extract`,
  );
  const extracts = es.spec.dataFrom ?? [];
  if (!extracts.some((entry) => entry.extract !== undefined)) problems.push("no dataFrom.extract entry");
  extracts.forEach((entry, i) => {
    if (entry.extract === undefined) problems.push(`dataFrom[${i}]: only extract resolves the same way in both modes`);
    else if (entry.extract.key.includes("/"))
      problems.push(`dataFrom[${i}]: extract.key ${entry.extract.key} must be an item title (no /) for both providers to find the item`);
  });
  return problems;
}

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

describe("PrometheusRules", () => {
  const rules = objects.filter((m) => m.object["kind"] === "PrometheusRule");
  const allRules = rules.flatMap((m) => {
    const spec = m.object["spec"] as { groups?: { name?: string; rules?: Rule[] }[] } | undefined;
    return (spec?.groups ?? []).flatMap((group) => (group.rules ?? []).map((rule) => ({ file: m.file, group: group.name, rule })));
  });

  it("are monitoring.coreos.com/v1 with named groups of rules", () => {
    expect(rules.length).toBeGreaterThanOrEqual(2);
    for (const m of rules) {
      expect(m.object["apiVersion"], m.file).toBe("monitoring.coreos.com/v1");
      const spec = m.object["spec"] as { groups?: { name?: string; rules?: Rule[] }[] };
      expect(spec.groups?.length, m.file).toBeGreaterThan(0);
      for (const group of spec.groups ?? []) {
        expect(group.name, m.file).toMatch(/^[\w-]+$/);
        expect(group.rules?.length, `${m.file} ${group.name}`).toBeGreaterThan(0);
      }
    }
  });

  it.each(allRules.map(({ file, rule }) => [rule.alert ?? "(no alert)", file, rule] as const))(
    "%s (%s) has expr, for, severity and a runbook",
    (_, __, rule) => {
      expect(rule.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(rule.expr?.trim()).toBeTruthy();
      expect(balanced(rule.expr ?? ""), rule.expr).toBe(true);
      expect(rule.for).toMatch(/^\d+[smhdw]$/);
      expect(["critical", "warning", "info"]).toContain(rule.labels?.["severity"]);
      expect(rule.annotations?.["summary"]).toBeTruthy();
      // Runbook-style: says what to run, not only what is wrong.
      expect(rule.annotations?.["description"]).toMatch(/kubectl|flux |pulumi|sops/);
    },
  );

  it("alert on SOPS decryption failures through the Flux Operator's per-object metric", () => {
    const decryption = allRules.filter(({ rule }) => /Decrypt/i.test(rule.alert ?? ""));
    expect(decryption.length).toBeGreaterThan(0);
    for (const { rule } of decryption) {
      expect(rule.expr).toMatch(/(flux|gotk)_resource_info\{[^}]*kind="Kustomization"/);
      expect(rule.expr).toMatch(/ready="False"/);
      // kustomize-controller reports a failed decryption as a failed build.
      expect(rule.expr).toMatch(/reason="BuildFailed"/);
      expect(rule.labels?.["severity"]).toBe("critical");
    }
  });

  it("alert on External Secrets sync errors and on ExternalSecrets that are not Ready", () => {
    const exprs = allRules.map(({ rule }) => rule.expr ?? "");
    expect(exprs.some((e) => /externalsecret_sync_calls_error/.test(e) && />\s*0/.test(e))).toBe(true);
    expect(exprs.some((e) => /externalsecret_status_condition\{[^}]*condition="Ready"[^}]*status="False"/.test(e))).toBe(true);
  });

  it("alert when the metrics behind those alerts are missing", () => {
    const exprs = allRules.map(({ rule }) => rule.expr ?? "");
    // flux-system (the root sync Kustomization) always exists, so this series does whenever the operator is scraped.
    expect(exprs).toContain('absent(flux_resource_info{kind="Kustomization"})');
    // The ESO controller's scrape target, by the job name Prometheus gives its PodMonitor.
    const esoMonitor = objects.find((m) => m.object["kind"] === "PodMonitor" && m.file.includes("external-secrets"));
    const metadata = esoMonitor?.object["metadata"] as { name: string; namespace: string } | undefined;
    expect(metadata).toBeDefined();
    expect(exprs).toContain(`absent(up{job="${metadata?.namespace}/${metadata?.name}"} == 1)`);
  });

  it("never test for absent ExternalSecret series, which ESO creates only when an ExternalSecret reconciles (defect 4)", () => {
    // esmetrics.go (pkg/controllers/externalsecret/esmetrics, external-secrets v2.9.0) registers labelled
    // vectors; a series appears when the controller increments it for one ExternalSecret, so absent()
    // on any of them fires on a cluster that has none.
    const lazy = allRules.filter(({ rule }) => /absent\(\s*externalsecret_/.test(rule.expr ?? "")).map(({ rule }) => rule.alert);
    expect(lazy).toEqual([]);
  });

  it("never rely on gotk_reconcile_condition, which Flux 2.x no longer exports", () => {
    expect(allRules.filter(({ rule }) => /gotk_reconcile_condition/.test(rule.expr ?? ""))).toEqual([]);
  });
});

function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  const stack: string[] = [];
  let quoted = false;
  for (const ch of expr) {
    if (ch === '"') quoted = !quoted;
    if (quoted) continue;
    if ("([{".includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0 && !quoted;
}

describe(".sops.yaml", () => {
  const config = parseYaml(readFileSync(join(gitopsRoot, ".sops.yaml"), "utf8")) as {
    creation_rules?: { path_regex?: string; encrypted_regex?: string; age?: string | string[]; key_groups?: { age?: string[] }[] }[];
  };
  const rules = config.creation_rules ?? [];
  const recipientsOf = (rule: (typeof rules)[number]): string[] => {
    const direct = typeof rule.age === "string" ? rule.age.split(",") : (rule.age ?? []);
    const grouped = (rule.key_groups ?? []).flatMap((g) => g.age ?? []);
    return [...direct, ...grouped].map((r) => r.trim()).filter((r) => r !== "");
  };
  const ruleFor = (path: string) => rules.find((r) => r.path_regex !== undefined && new RegExp(r.path_regex).test(path));

  it("encrypts *.sops.yaml files, and only data/stringData in them", () => {
    const rule = ruleFor("infrastructure/storage/csi-rbd.sops.yaml");
    expect(rule).toBeDefined();
    expect(rule?.encrypted_regex).toBe("^(data|stringData)$");
    expect(ruleFor("infrastructure/storage/csi-rbd.secret.example.yaml")).toBeUndefined();
    expect(ruleFor("apps/example/externalsecret-smtp.yaml")).toBeUndefined();
  });

  it("lists two distinct recipients (cluster and offline recovery) in every rule", () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const recipients = recipientsOf(rule);
      expect(recipients).toHaveLength(2);
      expect(new Set(recipients).size).toBe(2);
      // Recipients are public: an age1… recipient or an unmistakable placeholder, never an identity.
      for (const r of recipients) expect(r).toMatch(/^(age1[02-9ac-hj-np-z]{58}|AGE_[A-Z_]+_RECIPIENT)$/);
    }
  });

  it("ships placeholders, not someone's real recipients", () => {
    const recipients = rules.flatMap(recipientsOf);
    expect(recipients.sort()).toEqual(["AGE_CLUSTER_RECIPIENT", "AGE_RECOVERY_RECIPIENT"]);
  });
});

describe("the program's SOPS preflight (homelab:flux.localCheckout) on a fresh copy", () => {
  it("finds nothing to complain about: templates are not *.sops.yaml and .sops.yaml is configuration", async () => {
    const age = await import("age-encryption");
    const identity = await age.generateX25519Identity();
    expect(await undecryptableSopsFiles(gitopsRoot, identity)).toEqual([]);
  });

  it("would reject a template copied to *.sops.yaml but never encrypted (why templates are *.secret.example.yaml)", async () => {
    const age = await import("age-encryption");
    const identity = await age.generateX25519Identity();
    const copy = mkdtempSync(join(tmpdir(), "gitops-"));
    try {
      cpSync(gitopsRoot, copy, { recursive: true });
      const storage = join(copy, "infrastructure", "storage");
      copyFileSync(join(storage, "csi-rbd.secret.example.yaml"), join(storage, "csi-rbd.sops.yaml"));
      expect(await undecryptableSopsFiles(copy, identity)).toContainEqual(
        expect.stringContaining("infrastructure/storage/csi-rbd.sops.yaml is not SOPS-encrypted"),
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
