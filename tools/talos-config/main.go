// Command talos-config builds a node's machine configuration exactly as the Talos provider's
// talos_machine_configuration data source does, then validates it as a node does when the
// configuration is applied.
//
// `talos-config`: input (JSON on stdin) the inputs the program passes to
// talos:machine/getConfiguration (clusterName, clusterEndpoint, machineType, talosVersion,
// kubernetesVersion, configPatches, docs, examples, machineSecrets); output the final
// configuration on stdout and exit 0, or the generator's or validator's own error message on
// stderr and exit 1 (exit 2 for unreadable input).
//
// `talos-config secrets`: input {"talosVersion": …} (the inputs of talos:machine/secrets:Secrets);
// output, as JSON, a secrets bundle in the shape of that resource's machineSecrets output, made as
// the provider makes it on create.
//
// Upstream, at the versions pinned in components/lib/versions.ts:
//   - siderolabs/terraform-provider-talos v0.11.0 pkg/talos/talos_machine_configuration_data_source.go
//     (Read) and pkg/talos/util.go (machineConfigGenerateOptions.generate, validateVersionContract,
//     base64ToBytes, GenerateInstallerImage);
//   - siderolabs/terraform-provider-talos v0.11.0 pkg/talos/talos_machine_secrets_resource.go (Create);
//   - siderolabs/talos v1.13.0 internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go
//     (ApplyConfiguration: configloader.NewFromBytes, then Validate in the platform's mode) and
//     cmd/talosctl/cmd/mgmt/validate.go (--mode metal --strict: warnings are errors).
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/siderolabs/crypto/x509"
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/bundle"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"
	"github.com/siderolabs/talos/pkg/machinery/constants"
	"github.com/siderolabs/talos/pkg/machinery/gendata"
	"golang.org/x/mod/semver"
)

type certAndKey struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
}

// machineSecrets is the Pulumi shape of the data source's machine_secrets attribute.
type machineSecrets struct {
	Cluster struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	} `json:"cluster"`
	Secrets struct {
		BootstrapToken            string  `json:"bootstrapToken"`
		SecretboxEncryptionSecret string  `json:"secretboxEncryptionSecret"`
		AESCBCEncryptionSecret    *string `json:"aescbcEncryptionSecret,omitempty"`
	} `json:"secrets"`
	Trustdinfo struct {
		Token string `json:"token"`
	} `json:"trustdinfo"`
	Certs struct {
		Etcd              certAndKey `json:"etcd"`
		K8s               certAndKey `json:"k8s"`
		K8sAggregator     certAndKey `json:"k8sAggregator"`
		K8sServiceaccount struct {
			Key string `json:"key"`
		} `json:"k8sServiceaccount"`
		OS certAndKey `json:"os"`
	} `json:"certs"`
}

type input struct {
	ClusterName       string         `json:"clusterName"`
	ClusterEndpoint   string         `json:"clusterEndpoint"`
	MachineType       string         `json:"machineType"`
	KubernetesVersion *string        `json:"kubernetesVersion"`
	TalosVersion      *string        `json:"talosVersion"`
	ConfigPatches     []string       `json:"configPatches"`
	Docs              bool           `json:"docs"`
	Examples          bool           `json:"examples"`
	MachineSecrets    machineSecrets `json:"machineSecrets"`
}

// metal is the runtime mode of a Proxmox VM booted from the Talos ISO (internal/app/machined/pkg/runtime/mode.go:
// RequiresInstall is true for metal, InContainer false), before it is installed: the first apply happens in maintenance.
type metal struct{}

func (metal) String() string        { return "metal" }
func (metal) RequiresInstall() bool { return true }
func (metal) InContainer() bool     { return false }

func decode(in string) ([]byte, error) { return base64.StdEncoding.DecodeString(in) }

func pair(c certAndKey) (*x509.PEMEncodedCertificateAndKey, error) {
	crt, err := decode(c.Cert)
	if err != nil {
		return nil, err
	}

	key, err := decode(c.Key)
	if err != nil {
		return nil, err
	}

	return &x509.PEMEncodedCertificateAndKey{Crt: crt, Key: key}, nil
}

// bundleFrom maps machine_secrets to a secrets bundle field by field, as the data source's Read does.
func bundleFrom(s *machineSecrets) (*secrets.Bundle, error) {
	b := &secrets.Bundle{
		Clock:      secrets.NewFixedClock(time.Now()),
		Cluster:    &secrets.Cluster{ID: s.Cluster.ID, Secret: s.Cluster.Secret},
		Secrets:    &secrets.Secrets{BootstrapToken: s.Secrets.BootstrapToken, SecretboxEncryptionSecret: s.Secrets.SecretboxEncryptionSecret},
		TrustdInfo: &secrets.TrustdInfo{Token: s.Trustdinfo.Token},
		Certs:      &secrets.Certs{},
	}
	if s.Secrets.AESCBCEncryptionSecret != nil {
		b.Secrets.AESCBCEncryptionSecret = *s.Secrets.AESCBCEncryptionSecret
	}

	var err error
	if b.Certs.Etcd, err = pair(s.Certs.Etcd); err != nil {
		return nil, err
	}
	if b.Certs.K8s, err = pair(s.Certs.K8s); err != nil {
		return nil, err
	}
	if b.Certs.K8sAggregator, err = pair(s.Certs.K8sAggregator); err != nil {
		return nil, err
	}
	if b.Certs.OS, err = pair(s.Certs.OS); err != nil {
		return nil, err
	}

	key, err := decode(s.Certs.K8sServiceaccount.Key)
	if err != nil {
		return nil, err
	}

	b.Certs.K8sServiceAccount = &x509.PEMEncodedKey{Key: key}

	return b, nil
}

// generateSecrets makes a secrets bundle as the provider's talos_machine_secrets resource does on
// create (secrets.NewBundle under the talos_version contract, talos_machine_secrets_resource.go)
// and returns it in the Pulumi shape of its machine_secrets output (secretsBundleTomachineSecrets, util.go).
func generateSecrets(talosVersion string) (*machineSecrets, error) {
	versionContract, err := config.ParseContractFromVersion(talosVersion)
	if err != nil {
		return nil, err
	}

	b, err := secrets.NewBundle(secrets.NewFixedClock(time.Now()), versionContract)
	if err != nil {
		return nil, err
	}

	encode := base64.StdEncoding.EncodeToString
	s := &machineSecrets{}
	s.Cluster.ID, s.Cluster.Secret = b.Cluster.ID, b.Cluster.Secret
	s.Secrets.BootstrapToken, s.Secrets.SecretboxEncryptionSecret = b.Secrets.BootstrapToken, b.Secrets.SecretboxEncryptionSecret
	s.Trustdinfo.Token = b.TrustdInfo.Token
	s.Certs.Etcd = certAndKey{Cert: encode(b.Certs.Etcd.Crt), Key: encode(b.Certs.Etcd.Key)}
	s.Certs.K8s = certAndKey{Cert: encode(b.Certs.K8s.Crt), Key: encode(b.Certs.K8s.Key)}
	s.Certs.K8sAggregator = certAndKey{Cert: encode(b.Certs.K8sAggregator.Crt), Key: encode(b.Certs.K8sAggregator.Key)}
	s.Certs.K8sServiceaccount.Key = encode(b.Certs.K8sServiceAccount.Key)
	s.Certs.OS = certAndKey{Cert: encode(b.Certs.OS.Crt), Key: encode(b.Certs.OS.Key)}

	if b.Secrets.AESCBCEncryptionSecret != "" {
		s.Secrets.AESCBCEncryptionSecret = &b.Secrets.AESCBCEncryptionSecret
	}

	return s, nil
}

func generateConfig(in input) ([]byte, error) {
	kubernetesVersion := constants.DefaultKubernetesVersion
	if in.KubernetesVersion != nil {
		kubernetesVersion = *in.KubernetesVersion
	}

	talosVersion := semver.MajorMinor(gendata.VersionTag)
	if in.TalosVersion != nil {
		talosVersion = *in.TalosVersion
	}

	var machineType machine.Type

	switch in.MachineType {
	case "controlplane":
		machineType = machine.TypeControlPlane
	case "worker":
		machineType = machine.TypeWorker
	}

	versionContract, err := config.ParseContractFromVersion(talosVersion)
	if err != nil {
		return nil, err
	}

	secretsBundle, err := bundleFrom(&in.MachineSecrets)
	if err != nil {
		return nil, fmt.Errorf("failed to convert machine secrets certs to secrets bundle certs: %w", err)
	}

	genOptions := []generate.Option{
		generate.WithClusterDiscovery(true),
		generate.WithDNSDomain(constants.DefaultDNSDomain),
		generate.WithInstallDisk("/dev/sda"),
		generate.WithInstallImage(fmt.Sprintf("%s/%s/installer:%s", gendata.ImagesRegistry, gendata.ImagesUsername, gendata.VersionTag)),
		generate.WithSecretsBundle(secretsBundle),
		generate.WithVersionContract(versionContract),
	}

	commentsFlags := encoder.CommentsDisabled
	if in.Docs {
		commentsFlags |= encoder.CommentsDocs
	}

	if in.Examples {
		commentsFlags |= encoder.CommentsExamples
	}

	opts := []bundle.Option{
		bundle.WithInputOptions(&bundle.InputOptions{
			ClusterName: in.ClusterName,
			Endpoint:    in.ClusterEndpoint,
			KubeVersion: strings.TrimPrefix(kubernetesVersion, "v"),
			GenOptions:  genOptions,
		}),
		bundle.WithVerbose(false),
	}

	patches, err := configpatcher.LoadPatches(in.ConfigPatches)
	if err != nil {
		return nil, fmt.Errorf("error parsing config patch: %w", err)
	}

	switch machineType { //nolint:exhaustive
	case machine.TypeControlPlane:
		opts = append(opts, bundle.WithPatchControlPlane(patches))
	case machine.TypeWorker:
		opts = append(opts, bundle.WithPatchWorker(patches))
	}

	configBundle, err := bundle.NewBundle(opts...)
	if err != nil {
		return nil, err
	}

	return configBundle.Serialize(commentsFlags, machineType)
}

// validate loads the configuration as a node does from the apply request and validates it in metal mode,
// strict: a warning fails as talosctl validate --strict fails.
func validate(machineConfig []byte) error {
	provider, err := configloader.NewFromBytes(machineConfig)
	if err != nil {
		return err
	}

	warnings, err := provider.Validate(metal{}, validation.WithStrict())
	if err != nil {
		return err
	}

	if len(warnings) > 0 {
		return fmt.Errorf("warnings: %s", strings.Join(warnings, "; "))
	}

	return nil
}

func main() {
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	if len(os.Args) > 1 && os.Args[1] == "secrets" {
		var request struct {
			TalosVersion string `json:"talosVersion"`
		}

		if err = json.Unmarshal(raw, &request); err != nil {
			fmt.Fprintf(os.Stderr, "the input is not the secrets resource's inputs as JSON: %v\n", err)
			os.Exit(2)
		}

		generated, err := generateSecrets(request.TalosVersion)
		if err != nil {
			fmt.Fprintf(os.Stderr, "failed to generate machine secrets: %v\n", err)
			os.Exit(1)
		}

		json.NewEncoder(os.Stdout).Encode(generated) //nolint:errcheck

		return
	}

	var in input
	if err = json.Unmarshal(raw, &in); err != nil {
		fmt.Fprintf(os.Stderr, "the input is not the data source's inputs as JSON: %v\n", err)
		os.Exit(2)
	}

	machineConfig, err := generateConfig(in)
	if err != nil {
		fmt.Fprintf(os.Stderr, "failed to generate machine configuration: %v\n", err)
		os.Exit(1)
	}

	if err = validate(machineConfig); err != nil {
		fmt.Fprintf(os.Stderr, "invalid machine configuration: %v\n", err)
		os.Exit(1)
	}

	os.Stdout.Write(machineConfig) //nolint:errcheck
}
