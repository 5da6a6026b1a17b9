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
