/**
 * Mock behaviour per provider token: what a real provider would return, made
 * from the inputs and from keys generated at test time. In preview mode every
 * new resource gets an unknown id and only its inputs back, as on a stack that
 * has never been deployed.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments, stringify } from "yaml";

type Inputs = Record<string, unknown>;
export type Behaviour = (inputs: Inputs, name: string) => Inputs | Promise<Inputs>;

const random = (bytes = 32) => randomBytes(bytes).toString("base64");

/** A self-signed client certificate, made once per test process, valid for `days`. */
let certificate: { cert: string; key: string } | undefined;
export function clientCertificate(days = 365): { cert: string; key: string } {
  if (certificate === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "homelab-cert-"));
    try {
      execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", String(days), "-subj", "/O=os:admin"], { stdio: "ignore" });
      certificate = {
        cert: readFileSync(join(dir, "cert.pem")).toString("base64"),
        key: readFileSync(join(dir, "key.pem")).toString("base64"),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return certificate;
}

function machineSecrets(): Inputs {
  const pair = () => ({ cert: random(64), key: random(64) });
  return {
    certs: { etcd: pair(), k8s: pair(), k8sAggregator: pair(), k8sServiceaccount: { key: random(64) }, os: pair() },
    cluster: { id: random(), secret: random() },
    secrets: { bootstrapToken: `${randomBytes(3).toString("hex")}.${randomBytes(8).toString("hex")}`, secretboxEncryptionSecret: random() },
    trustdinfo: { token: `${randomBytes(3).toString("hex")}.${randomBytes(8).toString("hex")}` },
  };
}

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

function merge(base: Doc, patch: Doc): Doc {
  const out: Doc = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return out;
}

/**
 * Stand-in for the provider's config generator: a minimal v1alpha1 document
 * for the inputs, with every patch merged the way Talos merges strategic
 * patches (main document deep-merged, other documents added). The base never
 * carries secretbox, so only the program's own patch can put it there.
 */
export function renderMachineConfiguration(inputs: Inputs): string {
  const secrets = inputs["machineSecrets"] as { cluster: { id: string; secret: string }; secrets: { bootstrapToken: string } };
  let main: Doc = {
    version: "v1alpha1",
    machine: { type: inputs["machineType"], token: random(16), install: { disk: "/dev/sda", image: `ghcr.io/siderolabs/installer:${String(inputs["talosVersion"])}` } },
    cluster: {
      id: secrets.cluster.id,
      secret: secrets.cluster.secret,
      clusterName: inputs["clusterName"],
      controlPlane: { endpoint: inputs["clusterEndpoint"] },
      token: secrets.secrets.bootstrapToken,
    },
  };
  const extra: Doc[] = [];
  for (const patch of (inputs["configPatches"] as string[] | undefined) ?? []) {
    for (const doc of parseAllDocuments(patch)) {
      const value = doc.toJS() as Doc;
      if ("kind" in value) extra.push(value);
      else main = merge(main, value);
    }
  }
  return [main, ...extra].map((d) => stringify(d)).join("---\n");
}

const resourceBehaviours: Record<string, Behaviour> = {
  "talos:machine/secrets:Secrets": () => {
    const cert = clientCertificate();
    return { machineSecrets: machineSecrets(), clientConfiguration: { caCertificate: random(64), clientCertificate: cert.cert, clientKey: cert.key } };
  },
  "talos:imageFactory/schematic:Schematic": (inputs) => ({
    id: createHash("sha256").update(String(inputs["schematic"])).digest("hex"),
  }),
  "talos:cluster/kubeconfig:Kubeconfig": (inputs) => ({
    kubeconfigRaw: stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "homelab", cluster: { server: `https://${String(inputs["endpoint"])}:6443`, "certificate-authority-data": random(64) } }],
      users: [{ name: "admin", user: { "client-certificate-data": random(64), "client-key-data": random(64) } }],
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
  "talos:machine/getConfiguration:getConfiguration": (inputs) => ({ machineConfiguration: renderMachineConfiguration(inputs) }),
  "talos:client/getConfiguration:getConfiguration": (inputs) => {
    const client = inputs["clientConfiguration"] as Record<string, string>;
    return {
      talosConfig: stringify({
        context: inputs["clusterName"],
        contexts: { [String(inputs["clusterName"])]: { endpoints: inputs["endpoints"], nodes: inputs["nodes"], ca: client["caCertificate"], crt: client["clientCertificate"], key: client["clientKey"] } },
      }),
    };
  },
  // The real check takes minutes; a delay here proves that what follows waits for it.
  "talos:cluster/getHealth:getHealth": async () => {
    await new Promise((resolve) => setTimeout(resolve, 25));
    return {};
  },
};

export function behaviours(options: { preview: boolean; overrides: Partial<Record<string, Behaviour>> }): pulumi.runtime.Mocks {
  return {
    async newResource(args) {
      const behaviour = options.overrides[args.type] ?? resourceBehaviours[args.type];
      if (options.preview) return { id: undefined, state: args.inputs as Inputs };
      const { id, ...outputs } = (await behaviour?.(args.inputs as Inputs, args.name)) ?? {};
      return { id: typeof id === "string" ? id : `${args.name}-id`, state: { ...(args.inputs as Inputs), ...outputs } };
    },
    async call(args) {
      const behaviour = options.overrides[args.token] ?? callBehaviours[args.token];
      if (behaviour === undefined) throw new Error(`no mock for invoke ${args.token}`);
      return { ...(args.inputs as Inputs), ...(await behaviour(args.inputs as Inputs, "")) };
    },
  };
}
