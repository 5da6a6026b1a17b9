/**
 * What a `pulumi preview` on a hosted CI runner asks of the outside world. The
 * preview job has no route to Proxmox or the nodes, so every provider call it
 * makes must be one the provider answers locally:
 * - siderolabs/terraform-provider-talos v0.11.0: `talos_machine_configuration` and
 *   `talos_client_configuration` generate documents in the provider
 *   (pkg/talos/talos_machine_configuration_data_source.go, talos_client_configuration_data_source.go);
 *   `talos_image_factory_urls` formats URLs from the factory's base URL without a request
 *   (pkg/talos/talos_image_factory_urls_data_source.go);
 * - `talos_cluster_health` connects to the nodes, so the program skips it in preview;
 * - a `.get()` read-back asks the provider for live state, which a preview cannot reach;
 * - `apply_mode = staged_if_needing_reboot` makes ModifyPlan dry-run the apply against
 *   the node (pkg/talos/talos_machine_configuration_apply_resource.go), so plan would
 *   contact the nodes.
 */
import { describe, expect, it } from "vitest";

import { multiNodeSettings } from "../../offline/fixtures";
import { invokes, runExample, types } from "../support/program";

const local = new Set<string>([invokes.getUrls, invokes.machineConfiguration, invokes.clientConfiguration]);

describe("calls a preview makes", async () => {
  // A never-deployed stack (every output unknown, so most invokes cannot even run) and a deployed one.
  const single = await runExample({ preview: true });
  const multi = await runExample({ preview: true, deployed: true, settings: multiNodeSettings(5) });
  const update = await runExample({ settings: multiNodeSettings(5) });

  it("a deployed stack's preview renders every node's config locally", () => {
    expect(multi.invokes.filter((i) => i.token === invokes.machineConfiguration)).toHaveLength(5);
  });

  it.each([
    ["new stack, one node", single],
    ["deployed stack, five nodes", multi],
  ])("%s: only the Talos provider's local invokes, no Proxmox invoke, no health wait", (_name, run) => {
    const tokens = new Set(run.invokes.map((i) => i.token));
    for (const token of tokens) expect(local.has(token), token).toBe(true);
    expect([...tokens].filter((t) => t.startsWith("proxmoxve:"))).toEqual([]);
    expect(tokens.has(invokes.health)).toBe(false);
  });

  it("no read-back of existing resources, in preview or up", () => {
    expect(single.reads).toEqual([]);
    expect(multi.reads).toEqual([]);
    expect(update.reads).toEqual([]);
  });

  it("the up run does wait for health (so the preview's silence is the program's choice, not the mock's)", () => {
    expect(update.invokes.map((i) => i.token)).toContain(invokes.health);
  });

  it("no ConfigurationApply asks for staged_if_needing_reboot, which dry-runs against the node in plan", () => {
    const applies = [...multi.ofType(types.apply), ...update.ofType(types.apply)];
    expect(applies.length).toBe(10);
    for (const apply of applies) expect(apply.inputs["applyMode"] ?? "auto", apply.name).not.toBe("staged_if_needing_reboot");
  });
});
