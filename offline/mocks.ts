/**
 * Mock behaviour per provider token: what a real provider would return, made
 * from the inputs and from keys generated at run time. In preview mode every
 * new resource gets an unknown id and only its inputs back, as on a stack that
 * has never been deployed.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import type * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments, stringify } from "yaml";

import { machineSecretsFromBundle } from "../components/lib/talos-bundle";
import { type Certificate, ed25519Authority, ed25519SignedBy } from "./certificates";
import { deepMerge, type Plain } from "./merge";

type Inputs = Record<string, unknown>;
export type Behaviour = (inputs: Inputs, random: Generator) => Inputs | Promise<Inputs>;

/**
 * Provider-generated values are derived from a seed and the resource name, so
 * a second run with the same seed sees the same "state", as a second
 * `pulumi up` would. Each test process gets its own seed.
 */
const processSeed = randomBytes(16).toString("hex");
function generator(seed: string, name: string) {
  let counter = 0;
  const bytes = (n: number) => {
    let out = Buffer.alloc(0);
    while (out.length < n) out = Buffer.concat([out, createHash("sha256").update(`${seed}/${name}/${counter++}`).digest()]);
    return out.subarray(0, n);
  };
  return { seed, base64: (n = 32) => bytes(n).toString("base64"), hex: (n: number) => bytes(n).toString("hex") };
}
type Generator = ReturnType<typeof generator>;

const base64 = (pem: string) => Buffer.from(pem).toString("base64");
const pem = (base64Pem: string) => Buffer.from(base64Pem, "base64").toString("utf8");

/**
 * The Talos API (OS) CA of a seed, and the talosconfig admin certificate it
 * signs (base64 PEM, as Talos hands them out): made once per seed, so a second
 * run with the same seed sees the same "state", and another seed another CA.
 */
const authorities = new Map<string, { ca: Certificate; client: Certificate }>();
function osAuthority(seed: string): { ca: Certificate; client: Certificate } {
  let made = authorities.get(seed);
  if (made === undefined) {
    const ca = ed25519Authority("/O=talos");
    made = { ca, client: ed25519SignedBy(ca, "/O=os:admin", 365) };
    authorities.set(seed, made);
  }
  return made;
}

/** The talosconfig client certificate of a seed's stack (base64 PEM). */
export function clientCertificate(seed: string = processSeed): { cert: string; key: string } {
  const { client } = osAuthority(seed);
  return { cert: base64(client.cert), key: base64(client.key) };
}

function machineSecrets(random: Generator): Inputs {
  const pair = () => ({ cert: random.base64(64), key: random.base64(64) });
  const { ca } = osAuthority(random.seed);
  return {
    certs: {
      etcd: pair(),
      k8s: pair(),
      k8sAggregator: pair(),
      k8sServiceaccount: { key: random.base64(64) },
      os: { cert: base64(ca.cert), key: base64(ca.key) },
    },
    cluster: { id: random.base64(), secret: random.base64() },
    secrets: { bootstrapToken: `${random.hex(3)}.${random.hex(8)}`, secretboxEncryptionSecret: random.base64() },
    trustdinfo: { token: `${random.hex(3)}.${random.hex(8)}` },
  };
}

/** What the mock saw of each secrets bundle it imported: the file's mode, its directory's and whether it is a pipe, at read time. */
export const importedBundles: { path: string; mode: number; directoryMode: number; fifo: boolean }[] = [];

/**
 * `ImportState` of talos:machine/secrets:Secrets (siderolabs/terraform-provider-talos
 * pkg/talos/talos_machine_secrets_resource.go, v0.11.0): the import id is the
 * path of a secrets bundle; the provider reads it, maps it field by field
 * (`secretsBundleTomachineSecrets`, pkg/talos/util.go), signs a new admin
 * client certificate with the bundle's OS CA, and records talos_version v1.3.
 */
async function importSecrets(path: string): Promise<Inputs> {
  const stat = statSync(path);
  importedBundles.push({ path, mode: stat.mode & 0o777, directoryMode: statSync(dirname(path)).mode & 0o777, fifo: stat.isFIFO() });
  // Asynchronously, as the provider is another process: the path may be a pipe this process itself writes into.
  const secrets = machineSecretsFromBundle(await readFile(path, "utf8"));
  const client = ed25519SignedBy({ cert: pem(secrets.certs.os.cert), key: pem(secrets.certs.os.key) }, "/O=os:admin", 365);
  return {
    id: "machine_secrets",
    talosVersion: "v1.3",
    machineSecrets: secrets,
    clientConfiguration: { caCertificate: secrets.certs.os.cert, clientCertificate: base64(client.cert), clientKey: base64(client.key) },
  };
}

/** Imports by resource type, given the import id; what the provider's ImportState returns. */
const importBehaviours: Record<string, (id: string) => Inputs | Promise<Inputs>> = {
  "talos:machine/secrets:Secrets": importSecrets,
  // ImportState sets only the id; node, endpoint and client configuration stay null (talos_machine_bootstrap_resource.go).
  "talos:machine/bootstrap:Bootstrap": () => ({ id: "machine_bootstrap" }),
};

/**
 * The inputs the engine records for an imported resource: the input
 * properties of the state ImportState left (the bridge's Read hands them back;
 * null attributes are absent). Secrets: talos_version "v1.3" and nothing else;
 * Bootstrap: nothing, as node, endpoint and client_configuration are null
 * (siderolabs/terraform-provider-talos v0.11.0 pkg/talos/talos_machine_secrets_resource.go
 * and talos_machine_bootstrap_resource.go, ImportState).
 */
const importedInputs: Record<string, Inputs> = {
  "talos:machine/secrets:Secrets": { talosVersion: "v1.3" },
  "talos:machine/bootstrap:Bootstrap": {},
};

/**
 * The provider's Check of a resource's inputs: the Terraform schema's
 * required attributes and the resource's ValidateConfig, run by the bridge.
 * Bootstrap: `node` is Required, and ValidateConfig wants exactly one of
 * client_configuration and client_configuration_wo
 * (siderolabs/terraform-provider-talos v0.11.0 pkg/talos/talos_machine_bootstrap_resource.go,
 * Schema and ValidateConfig).
 */
const providerChecks: Record<string, (inputs: Inputs) => string[]> = {
  "talos:machine/bootstrap:Bootstrap": (inputs) => {
    const failures: string[] = [];
    if (inputs["node"] === undefined)
      failures.push(`Missing Configuration for Required Attribute: Must set a configuration value for the node attribute`);
    const set = ["clientConfiguration", "clientConfigurationWo"].filter((key) => inputs[key] !== undefined).length;
    if (set === 0)
      failures.push("Missing client configuration: Exactly one of client_configuration or client_configuration_wo must be set");
    if (set === 2)
      failures.push("Conflicting client configuration: Only one of client_configuration or client_configuration_wo can be set, not both");
    return failures;
  },
};

/**
 * What the engine does with a resource registered with the `import` option
 * after the import step has read it (pulumi/pulumi v3.248.0
 * pkg/resource/deploy/step_generator.go, continueStepsFromImport): every
 * ignored property of the program's inputs is reset to the imported inputs
 * (a property the import left absent is deleted: PropertyPath.Reset,
 * sdk/go/common/resource/properties_path.go), then the provider's Check runs on
 * the result, and its failures make the resource invalid and stop the run.
 * Returns those failures; none for a resource that is not imported.
 */
export function importCheckFailures(type: string, importId: string, inputs: Inputs, ignoreChanges: readonly string[]): string[] {
  const imported = importedInputs[type];
  if (importId === "" || imported === undefined) return [];
  const checked: Inputs = { ...inputs };
  for (const path of ignoreChanges) {
    // Top-level properties are all this program ignores; a nested path would need the engine's full traversal.
    if (path.includes(".") || path.includes("[")) throw new Error(`the import emulation handles top-level ignoreChanges only, not ${path}`);
    if (path in imported) checked[path] = imported[path];
    else Reflect.deleteProperty(checked, path);
  }
  return providerChecks[type]?.(checked) ?? [];
}

type Doc = Plain;

/**
 * Stand-in for the provider's config generator: a minimal v1alpha1 document
 * for the inputs, with every patch merged the way Talos merges strategic
 * patches (main document deep-merged, typed documents merged into one of the
 * same kind and name, or added). The base never carries secretbox, so only the
 * program's own patch can put it there.
 */
export function renderMachineConfiguration(inputs: Inputs): string {
  const secrets = inputs["machineSecrets"] as {
    cluster: { id: string; secret: string };
    secrets: { bootstrapToken: string };
    trustdinfo: { token: string };
    certs: Record<"etcd" | "k8s" | "k8sAggregator" | "os", { cert: string; key: string }> & { k8sServiceaccount: { key: string } };
  };
  // The CAs and the service-account key from the bundle: control planes get keys, workers only the CA certificates
  // (siderolabs/talos v1.13.9 pkg/machinery/config/generate/init.go MachineCA/ClusterCA/..., worker.go).
  const { certs } = secrets;
  const pair = (p: { cert: string; key: string }) => ({ crt: p.cert, key: p.key });
  const controlPlane = inputs["machineType"] === "controlplane";
  const pki = controlPlane
    ? {
        machine: { ca: pair(certs.os) },
        cluster: {
          ca: pair(certs.k8s),
          aggregatorCA: pair(certs.k8sAggregator),
          serviceAccount: { key: certs.k8sServiceaccount.key },
          etcd: { ca: pair(certs.etcd) },
        },
      }
    : { machine: { ca: { crt: certs.os.cert } }, cluster: { ca: { crt: certs.k8s.cert } } };
  // The Kubernetes images as siderolabs/talos v1.13.9 pkg/machinery/config/generate/init.go and worker.go set them.
  const kubernetes = String(inputs["kubernetesVersion"]);
  const controlPlaneImages =
    inputs["machineType"] === "controlplane"
      ? {
          apiServer: { image: `registry.k8s.io/kube-apiserver:v${kubernetes}` },
          controllerManager: { image: `registry.k8s.io/kube-controller-manager:v${kubernetes}` },
          proxy: { image: `registry.k8s.io/kube-proxy:v${kubernetes}` },
          scheduler: { image: `registry.k8s.io/kube-scheduler:v${kubernetes}` },
        }
      : {};
  let main: Doc = {
    version: "v1alpha1",
    machine: {
      type: inputs["machineType"],
      // MachineToken is the bundle's trustd token (siderolabs/talos v1.13.9 pkg/machinery/config/generate/init.go).
      token: secrets.trustdinfo.token,
      install: { disk: "/dev/sda", image: `ghcr.io/siderolabs/installer:${String(inputs["talosVersion"])}` },
      kubelet: { image: `ghcr.io/siderolabs/kubelet:v${kubernetes}` },
      ...pki.machine,
    },
    cluster: {
      ...pki.cluster,
      id: secrets.cluster.id,
      secret: secrets.cluster.secret,
      clusterName: inputs["clusterName"],
      controlPlane: { endpoint: inputs["clusterEndpoint"] },
      token: secrets.secrets.bootstrapToken,
      ...controlPlaneImages,
    },
  };
  // Talos 1.12+ generates this document; a patch of the same kind (and name) merges into it (siderolabs/talos#12891).
  const extra: Doc[] = [{ apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "stable" }];
  for (const patch of (inputs["configPatches"] as string[] | undefined) ?? []) {
    for (const doc of parseAllDocuments(patch)) {
      const value = doc.toJS() as Doc;
      if (!("kind" in value)) {
        main = deepMerge(main, value);
        continue;
      }
      const same = extra.findIndex((d) => d["kind"] === value["kind"] && d["name"] === value["name"]);
      if (same < 0) extra.push(value);
      else extra[same] = deepMerge(extra[same] as Doc, value);
    }
  }
  return [main, ...extra].map((d) => stringify(d)).join("---\n");
}

const resourceBehaviours: Record<string, Behaviour> = {
  "talos:machine/secrets:Secrets": (_inputs, random) => {
    const secrets = machineSecrets(random) as { certs: { os: { cert: string } } };
    const cert = clientCertificate(random.seed);
    return {
      machineSecrets: secrets,
      clientConfiguration: { caCertificate: secrets.certs.os.cert, clientCertificate: cert.cert, clientKey: cert.key },
    };
  },
  "talos:imageFactory/schematic:Schematic": (inputs) => ({
    id: createHash("sha256").update(String(inputs["schematic"])).digest("hex"),
  }),
  "talos:cluster/kubeconfig:Kubeconfig": (inputs, random) => ({
    kubeconfigRaw: stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "homelab",
          cluster: { server: `https://${String(inputs["endpoint"])}:6443`, "certificate-authority-data": random.base64(64) },
        },
      ],
      users: [{ name: "admin", user: { "client-certificate-data": random.base64(64), "client-key-data": random.base64(64) } }],
      contexts: [{ name: "admin@homelab", context: { cluster: "homelab", user: "admin" } }],
      "current-context": "admin@homelab",
    }),
  }),
  "talos:machine/configurationApply:ConfigurationApply": (inputs) => ({ machineConfiguration: inputs["machineConfigurationInput"] }),
  "proxmoxve:download/file:File": (inputs) => ({
    id: `${String(inputs["datastoreId"])}:iso/${String(inputs["fileName"])}`,
  }),
};

const callBehaviours: Record<string, Behaviour> = {
  "talos:imageFactory/getUrls:getUrls": (inputs) => {
    const id = String(inputs["schematicId"]);
    const version = String(inputs["talosVersion"]);
    return {
      urls: {
        isoSecureboot: `https://factory.talos.dev/image/${id}/${version}/metal-amd64-secureboot.iso`,
        installerSecureboot: `factory.talos.dev/metal-installer-secureboot/${id}:${version}`,
        iso: `https://factory.talos.dev/image/${id}/${version}/metal-amd64.iso`,
        installer: `factory.talos.dev/metal-installer/${id}:${version}`,
      },
    };
  },
  "talos:machine/getConfiguration:getConfiguration": (inputs) => ({
    machineConfiguration: renderMachineConfiguration(inputs),
  }),
  "talos:client/getConfiguration:getConfiguration": (inputs) => {
    const client = inputs["clientConfiguration"] as Record<string, string>;
    return {
      talosConfig: stringify({
        context: inputs["clusterName"],
        contexts: {
          [String(inputs["clusterName"])]: {
            endpoints: inputs["endpoints"],
            nodes: inputs["nodes"],
            ca: client["caCertificate"],
            crt: client["clientCertificate"],
            key: client["clientKey"],
          },
        },
      }),
    };
  },
  // The real check takes minutes; a delay here proves that what follows waits for it.
  "talos:cluster/getHealth:getHealth": async () => {
    await new Promise((resolve) => setTimeout(resolve, 25));
    return {};
  },
};

export interface MockOptions {
  preview: boolean;
  /**
   * Preview of a stack that is already deployed and unchanged: resources answer
   * with the state an earlier `up` left (known ids and outputs), as the engine
   * does from the state file. Without it a preview sees a never-deployed stack.
   */
  deployed?: boolean;
  overrides: Partial<Record<string, Behaviour>>;
  /** Same seed, same provider-generated values: a second run sees the first run's "state". */
  seed?: string;
}

/** The Node SDK's secret marker on the wire (@pulumi/pulumi runtime/rpc.js specialSigKey, specialSecretSig). */
const secretMarker = (value: unknown): Record<string, unknown> => ({
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  value,
});

interface SchemaProperty {
  secret?: boolean;
  $ref?: string;
  items?: SchemaProperty;
}
interface TalosSchema {
  resources: Record<string, { properties: Record<string, SchemaProperty> }>;
  types: Record<string, { properties?: Record<string, SchemaProperty> }>;
}
let talosSchema: TalosSchema | undefined;

/**
 * Marks what the Talos provider returns secret as the provider does: every property its schema marks `secret`,
 * at whatever depth (the bridge wraps each sensitive Terraform attribute on its own: pulumi-terraform-bridge
 * MakeTerraformOutputs). machineSecrets and clientConfiguration are objects that are not secret themselves, with
 * secret leaves (packages/pulumi-talos/schema/pulumi-talos-schema.json, pulumiverse/pulumi-talos v0.8.1).
 */
function markProviderSecrets(type: string, outputs: Inputs): Inputs {
  if (!type.startsWith("talos:")) return outputs;
  talosSchema ??= JSON.parse(
    readFileSync(join(__dirname, "..", "packages", "pulumi-talos", "schema", "pulumi-talos-schema.json"), "utf8"),
  ) as TalosSchema;
  const schema = talosSchema;
  const mark = (value: unknown, property: SchemaProperty | undefined): unknown => {
    if (property === undefined || value === undefined || value === null) return value;
    if (property.secret === true) return secretMarker(value);
    if (Array.isArray(value)) return value.map((v) => mark(v, property.items));
    const ref = property.$ref?.replace(/^#\/?types\//, "");
    const fields = ref === undefined ? undefined : schema.types[ref]?.properties;
    if (fields === undefined || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mark(v, fields[k])]));
  };
  const properties = schema.resources[type]?.properties ?? {};
  return Object.fromEntries<unknown>(Object.entries(outputs).map(([k, v]) => [k, mark(v, properties[k])]));
}

export function behaviours(options: MockOptions): pulumi.runtime.Mocks {
  const seed = options.seed ?? processSeed;
  return {
    async newResource(args) {
      const behaviour = options.overrides[args.type] ?? resourceBehaviours[args.type];
      const importer = args.id ? importBehaviours[args.type] : undefined;
      if (args.id && importer !== undefined) {
        // The engine imports in a preview too (an import step reads the resource), so this runs in both modes.
        const { id, ...outputs } = await importer(args.id);
        return { id: String(id), state: { ...(args.inputs as Inputs), ...markProviderSecrets(args.type, outputs) } };
      }
      if (options.preview && options.deployed !== true) return { id: undefined, state: args.inputs as Inputs };
      const { id, ...outputs } = (await behaviour?.(args.inputs as Inputs, generator(seed, `${args.type}::${args.name}`))) ?? {};
      return {
        id: typeof id === "string" ? id : `${args.name}-id`,
        state: { ...(args.inputs as Inputs), ...markProviderSecrets(args.type, outputs) },
      };
    },
    async call(args) {
      const behaviour = options.overrides[args.token] ?? callBehaviours[args.token];
      if (behaviour === undefined) throw new Error(`no mock for invoke ${args.token}`);
      return {
        ...(args.inputs as Inputs),
        ...(await behaviour(args.inputs as Inputs, generator(seed, `${args.token}::${JSON.stringify(args.inputs)}`))),
      };
    },
  };
}
