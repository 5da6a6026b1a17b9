// Local binding of @pulumiverse/talos v0.8.1 (see ../README.md).
// Mirrors sdk/nodejs/utilities.ts of pulumiverse/pulumi-talos v0.8.1, reduced to what the binding needs:
// the generated SDK reads the version from its package.json and lazy-loads modules; here the version
// is a constant (asserted against package.json by test/talos-binding.test.ts) and modules load eagerly.

import * as pulumi from "@pulumi/pulumi";

/** Provider plugin version the published SDK pins (`pulumi.version` in package.json). */
export const providerVersion = "0.8.1";

/** Where the engine downloads the `pulumi-resource-talos` plugin from (schema `pluginDownloadURL`). */
export const pluginDownloadURL = "github://api.github.com/pulumiverse";

export function getVersion(): string {
  return providerVersion;
}

/** Same defaults the generated SDK merges into every resource's options. */
export function resourceOptsDefaults(): pulumi.CustomResourceOptions {
  return { version: getVersion(), pluginDownloadURL };
}

/**
 * Equivalent of `pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts || {})` for invoke options:
 * the defaults apply unless the caller set the option explicitly.
 */
export function invokeOptsDefaults<T extends pulumi.InvokeOptions>(opts: T | undefined): T {
  const merged: pulumi.InvokeOptions = { version: getVersion(), pluginDownloadURL };
  const result = { ...merged } as T;
  if (opts !== undefined) {
    for (const [key, value] of Object.entries(opts)) {
      if (value !== undefined) {
        (result as Record<string, unknown>)[key] = value;
      }
    }
  }
  return result;
}

/** Type guard shared by the resources' `isInstance` (works across multiple SDK copies, like the original). */
export function hasPulumiType(obj: unknown, type: string): boolean {
  if (obj === undefined || obj === null || typeof obj !== "object") {
    return false;
  }
  return (obj as { __pulumiType?: unknown })["__pulumiType"] === type;
}
