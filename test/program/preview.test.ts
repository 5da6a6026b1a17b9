/**
 * `pulumi preview` on a stack that was never deployed (CI before any cluster
 * exists): every id and computed output is unknown, including the kubeconfig.
 */
import { describe, expect, it } from "vitest";

import { invokes, runExample, types } from "../support/program";

const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("preview before any cluster exists", async () => {
  const preview = await runExample({ preview: true });
  const update = await runExample({ secrets: preview.secrets });

  it("previews every resource an update would create, in every layer", () => {
    const names = (run: typeof preview) => run.registrations.map((r) => `${r.type}::${r.name}`).sort();
    expect(names(preview)).toEqual(names(update));
    expect(preview.ofType(types.release)).toHaveLength(3);
    expect(preview.ofType(types.clusterSecretStore)).toHaveLength(1);
  });

  it("builds the Kubernetes provider from the unknown kubeconfig, never a placeholder", () => {
    const provider = preview.one(types.kubernetesProvider);
    expect(provider.inputs["kubeconfig"]).toBe(unknown);
    expect(provider.inputs["clusterIdentifier"]).toBe("talos-homelab");
  });

  it("does not wait on cluster health, which would need a live node", () => {
    expect(preview.invokes.map((i) => i.token)).not.toContain(invokes.health);
    expect(update.invokes.map((i) => i.token)).toContain(invokes.health);
  });

  it("reports kubeconfig and talosconfig as unknown secrets", () => {
    expect(preview.outputs["kubeconfig"]).toMatchObject({ known: false });
    expect(preview.outputs["talosconfig"]).toMatchObject({ known: false });
    expect(preview.outputs["nodeAddresses"]).toMatchObject({ known: true, value: { "talos-cp-1": "192.168.10.41" } });
  });
});
