/**
 * Mock behaviour per provider token: what a real provider would return, made
 * from the inputs and from keys generated at run time. In preview mode every
 * new resource gets an unknown id and only its inputs back, as on a stack that
 * has never been deployed.
 */
import { createHash, randomBytes } from "node:crypto";

import type * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments, stringify } from "yaml";

import { selfSignedCertificate } from "./certificates";
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
  return { base64: (n = 32) => bytes(n).toString("base64"), hex: (n: number) => bytes(n).toString("hex") };
}
type Generator = ReturnType<typeof generator>;

/** The talosconfig client certificate (base64 PEM, as Talos hands it out), made once per test process. */
let certificate: { cert: string; key: string } | undefined;
export function clientCertificate(): { cert: string; key: string } {
  if (certificate === undefined) {
    const { cert, key } = selfSignedCertificate({ subject: "/O=os:admin", days: 365 });
    certificate = { cert: Buffer.from(cert).toString("base64"), key: Buffer.from(key).toString("base64") };
  }
  return certificate;
}

function machineSecrets(random: Generator): Inputs {
  const pair = () => ({ cert: random.base64(64), key: random.base64(64) });
  return {
    certs: { etcd: pair(), k8s: pair(), k8sAggregator: pair(), k8sServiceaccount: { key: random.base64(64) }, os: pair() },
    cluster: { id: random.base64(), secret: random.base64() },
    secrets: { bootstrapToken: `${random.hex(3)}.${random.hex(8)}`, secretboxEncryptionSecret: random.base64() },
    trustdinfo: { token: `${random.hex(3)}.${random.hex(8)}` },
  };
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
  };
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
    },
    cluster: {
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
    const cert = clientCertificate();
    return {
      machineSecrets: machineSecrets(random),
      clientConfiguration: { caCertificate: random.base64(64), clientCertificate: cert.cert, clientKey: cert.key },
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

export function behaviours(options: MockOptions): pulumi.runtime.Mocks {
  const seed = options.seed ?? processSeed;
  return {
    async newResource(args) {
      const behaviour = options.overrides[args.type] ?? resourceBehaviours[args.type];
      if (options.preview && options.deployed !== true) return { id: undefined, state: args.inputs as Inputs };
      const { id, ...outputs } = (await behaviour?.(args.inputs as Inputs, generator(seed, `${args.type}::${args.name}`))) ?? {};
      return { id: typeof id === "string" ? id : `${args.name}-id`, state: { ...(args.inputs as Inputs), ...outputs } };
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
