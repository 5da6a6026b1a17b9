/**
 * The first start of a node VM, as its own resource, so it happens only after
 * the VM's Proxmox firewall is in force.
 *
 * Why a resource of our own: bpg's VM resource starts the VM inside its create
 * call (`vmCreateStart`, bpg/terraform-provider-proxmox v0.111.1
 * proxmoxtf/resource/vm/vm.go) and its firewall resources need the VM's id, so
 * with `started: true` the VM boots into Talos maintenance mode, which accepts
 * an unauthenticated apply-config, before its firewall exists. The provider
 * has no power-state resource; `started: false` creates the VM stopped, and
 * this resource starts it once the firewall resources exist.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * pve-firewall recompiles the rules of every VM on the host every 10 s
 * (proxmox/pve-firewall src/PVE/Service/pve_firewall.pm, `$updatetime = 10`),
 * running or not: waiting two cycles after the firewall config is written puts
 * the VM's chain in place before its first packet.
 */
export const firewallSettleSeconds = 20;

export interface VmStartInputs {
  /** Proxmox API URL, `https://host:8006/`. */
  endpoint: pulumi.Input<string>;
  /** `user@realm!token=secret`. */
  apiToken: pulumi.Input<string>;
  insecure: pulumi.Input<boolean>;
  nodeName: pulumi.Input<string>;
  vmId: pulumi.Input<number>;
  settleSeconds: pulumi.Input<number>;
}

interface StartState {
  endpoint: string;
  apiToken: string;
  insecure: boolean;
  nodeName: string;
  vmId: number;
  settleSeconds: number;
}

/**
 * Starts the VM once (POST /nodes/{node}/qemu/{vmid}/status/start, which needs
 * VM.PowerMgmt) unless it already runs. Nothing is read back and nothing is
 * done on update or delete: after the first start the VM's power is Proxmox's
 * and the operator's business (the VM has `onBoot`), and deleting the VM stops it.
 * Self-contained: a dynamic provider is serialised with its closure.
 */
const vmStartProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: StartState) {
    // Globals only (fetch, setTimeout): the provider runs in its own process, from its serialised closure.
    // This process talks to nobody else, so the user's insecureSkipTlsVerify applies to it alone.
    if (inputs.insecure) process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = "0";
    const base = inputs.endpoint.endsWith("/") ? inputs.endpoint : `${inputs.endpoint}/`;
    const vm = `${base}api2/json/nodes/${encodeURIComponent(inputs.nodeName)}/qemu/${String(inputs.vmId)}`;
    const call = async (method: "GET" | "POST", path: string) => {
      const response = await fetch(`${vm}${path}`, { method, headers: { Authorization: `PVEAPIToken=${inputs.apiToken}` } });
      const body = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: HTTP ${String(response.status)} ${body}`);
      return body;
    };
    await new Promise((resolve) => setTimeout(resolve, inputs.settleSeconds * 1000));
    const status = JSON.parse(await call("GET", "/status/current")) as { data?: { status?: string } };
    if (status.data?.status !== "running") await call("POST", "/status/start");
    return { id: `${inputs.nodeName}/${String(inputs.vmId)}`, outs: inputs };
  },
  update(_id: string, _olds: StartState, news: StartState) {
    return Promise.resolve({ outs: news });
  },
  diff(_id: string, olds: StartState, news: StartState) {
    const replaces = (["nodeName", "vmId"] as const).filter((key) => olds[key] !== news[key]);
    return Promise.resolve({ changes: replaces.length > 0, replaces, deleteBeforeReplace: true });
  },
};

export class VmStart extends pulumi.dynamic.Resource {
  constructor(name: string, args: VmStartInputs, opts?: pulumi.CustomResourceOptions) {
    super(vmStartProvider, name, args, { ...opts, additionalSecretOutputs: ["apiToken"] });
  }
}
