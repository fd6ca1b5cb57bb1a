package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Address ranges of the simulated cluster. Both are fake: nothing routes to
// them and nothing in the cluster connects to them (there is no kube-proxy
// and no container runtime). 198.18.0.0/15 is reserved for benchmarking
// (RFC 2544) rather than private networks, so the addresses cannot be
// mistaken for anything real.
const (
	serviceCIDR     = "198.19.0.0/16"
	kubernetesSvcIP = "198.19.0.1"
	clientQPS       = "200"
	clientBurst     = "400"
	// replicaSetWorkers is kube-controller-manager's
	// --concurrent-replicaset-syncs (default 5), see startControllerManager.
	replicaSetWorkers = "20"
	serviceAccountIs  = "https://kubernetes.default.svc.cluster.local"
)

// controlPlane holds what the components share: the PKI and the kubeconfig
// files written for each client identity.
type controlPlane struct {
	o          *options
	pki        pki
	adminKC    string // kubeconfig of kubernetes-admin (system:masters)
	kcmKC      string
	schedKC    string
	apiserver  string // https://127.0.0.1:PORT
	restConfig *rest.Config
	client     kubernetes.Interface
}

// writeKubeconfigs writes one kubeconfig per client identity, with the
// certificates embedded so that each file stands on its own.
func (cp *controlPlane) writeKubeconfigs() error {
	cp.apiserver = "https://127.0.0.1:" + strconv.Itoa(cp.o.apiserverPort)
	ca, err := os.ReadFile(cp.pki.path("ca.crt"))
	if err != nil {
		return err
	}
	write := func(path, user, certBase string) error {
		cert, err := os.ReadFile(cp.pki.path(certBase + ".crt"))
		if err != nil {
			return err
		}
		key, err := os.ReadFile(cp.pki.path(certBase + ".key"))
		if err != nil {
			return err
		}
		cfg := clientcmdapi.NewConfig()
		cfg.Clusters["sluice-test"] = &clientcmdapi.Cluster{Server: cp.apiserver, CertificateAuthorityData: ca}
		cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
		cfg.Contexts["sluice-test"] = &clientcmdapi.Context{Cluster: "sluice-test", AuthInfo: user, Namespace: "default"}
		cfg.CurrentContext = "sluice-test"
		return clientcmd.WriteToFile(*cfg, path)
	}
	cp.adminKC = filepath.Join(cp.o.stateDir, "kubeconfig")
	cp.kcmKC = filepath.Join(cp.o.stateDir, "pki", "controller-manager.kubeconfig")
	cp.schedKC = filepath.Join(cp.o.stateDir, "pki", "scheduler.kubeconfig")
	if err := write(cp.adminKC, "kubernetes-admin", "admin"); err != nil {
		return err
	}
	if err := write(cp.kcmKC, "system:kube-controller-manager", "controller-manager"); err != nil {
		return err
	}
	if err := write(cp.schedKC, "system:kube-scheduler", "scheduler"); err != nil {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", cp.adminKC)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 100, 200
	cp.restConfig = cfg
	cp.client, err = kubernetes.NewForConfig(cfg)
	return err
}

// startEtcd runs a single-member etcd on loopback over plain HTTP. Its data
// lives in the state dir and is wiped by every `up`; --unsafe-no-fsync trades
// durability we do not need for much faster writes.
func (cp *controlPlane) startEtcd(ctx context.Context, r *runner) error {
	o := cp.o
	client := fmt.Sprintf("http://127.0.0.1:%d", o.etcdPort)
	peer := fmt.Sprintf("http://127.0.0.1:%d", o.etcdPeerPort)
	p, err := r.start("etcd", stopWithEtcd, filepath.Join(o.binDir(), "etcd"), []string{
		"--name=sluice-test",
		"--data-dir=" + filepath.Join(o.stateDir, "etcd"),
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=sluice-test=" + peer,
		"--initial-cluster-state=new",
		"--unsafe-no-fsync",
		// etcd's suggested maximum. A Rollout of the bench (2 replicas)
		// writes ~220 KB of revisions in a deploy and a wave, which the API
		// server compacts only every 5 minutes: at N=10,000 that is ~2 GiB
		// within one interval, too close to 4 GiB, where etcd raises NOSPACE
		// and refuses every write. The file grows only as far as it is used.
		"--quota-backend-bytes=" + strconv.Itoa(8<<30),
		"--log-level=warn",
	}, nil)
	if err != nil {
		return err
	}
	return waitUntil(ctx, p, "etcd to be healthy", 30*time.Second, func() error {
		body, err := httpGet(http.DefaultClient, client+"/health")
		if err != nil {
			return err
		}
		if !strings.Contains(body, `"health":"true"`) {
			return fmt.Errorf("etcd /health: %s", body)
		}
		return nil
	})
}

// startAPIServer runs kube-apiserver on 127.0.0.1 against the etcd above.
func (cp *controlPlane) startAPIServer(ctx context.Context, r *runner) error {
	o, pk := cp.o, cp.pki
	p, err := r.start("kube-apiserver", stopWithAPIServer, filepath.Join(o.binDir(), "kube-apiserver"), append([]string{
		"--etcd-servers=" + fmt.Sprintf("http://127.0.0.1:%d", o.etcdPort),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(o.apiserverPort),
		"--tls-cert-file=" + pk.path("apiserver.crt"),
		"--tls-private-key-file=" + pk.path("apiserver.key"),
		"--client-ca-file=" + pk.path("ca.crt"),
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		"--service-cluster-ip-range=" + serviceCIDR,
		"--service-account-issuer=" + serviceAccountIs,
		"--service-account-key-file=" + pk.path("sa.pub"),
		"--service-account-signing-key-file=" + pk.path("sa.key"),
		"--kubelet-client-certificate=" + pk.path("apiserver-kubelet-client.crt"),
		"--kubelet-client-key=" + pk.path("apiserver-kubelet-client.key"),
		// A single API server on loopback: nothing to reconcile into the
		// kubernetes Service's endpoints (doing so only logs errors).
		"--endpoint-reconciler-type=none",
		// Request-header (front-proxy) authentication, which the aggregation
		// layer expects; without it the logs fill with errors.
		"--requestheader-client-ca-file=" + pk.path("front-proxy-ca.crt"),
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + pk.path("front-proxy-client.crt"),
		"--proxy-client-key-file=" + pk.path("front-proxy-client.key"),
		"--profiling=false",
		// Shut down within ~2 s of SIGTERM: drain ordinary requests, then
		// close the listener without waiting out the 60 s request timeout
		// for long-running watches.
		"--shutdown-send-retry-after=true",
	}, o.apiserverArgs...), nil)
	if err != nil {
		return err
	}
	return waitUntil(ctx, p, "kube-apiserver to be ready", 120*time.Second, func() error {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := cp.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(cctx)
		return err
	})
}

// startControllerManager runs kube-controller-manager. Every controller uses
// its own service account (as in kubeadm clusters), so RBAC behaves as in a
// real cluster. Client QPS/burst are raised: with the defaults (20/30) a
// 200-pod rollout takes ~15 s instead of ~1.5 s. The ReplicaSet controller
// gets 20 workers instead of 5: its syncs wait on the API server (pod creates
// and deletes, a status write; 0.1–1 s each under load), so with 5 workers a
// burst of scale-ups queued for 0.1–10 s even at N=50 (README.md), while 20
// workers at ~100 ms per request roughly fill the client's 200 QPS and no
// more.
func (cp *controlPlane) startControllerManager(r *runner) (*proc, error) {
	o, pk := cp.o, cp.pki
	return r.start("kube-controller-manager", stopWithClients, filepath.Join(o.binDir(), "kube-controller-manager"), []string{
		"--kubeconfig=" + cp.kcmKC,
		"--authentication-kubeconfig=" + cp.kcmKC,
		"--authorization-kubeconfig=" + cp.kcmKC,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(o.controllerMgrPort),
		"--cert-dir=" + filepath.Join(o.stateDir, "pki", "controller-manager-serving"),
		"--client-ca-file=" + pk.path("ca.crt"),
		"--requestheader-client-ca-file=" + pk.path("front-proxy-ca.crt"),
		"--root-ca-file=" + pk.path("ca.crt"),
		"--service-account-private-key-file=" + pk.path("sa.key"),
		"--use-service-account-credentials=true",
		"--leader-elect=false",
		"--kube-api-qps=" + clientQPS,
		"--kube-api-burst=" + clientBurst,
		"--concurrent-replicaset-syncs=" + replicaSetWorkers,
		"--profiling=false",
	}, nil)
}

// startScheduler runs kube-scheduler. Its client QPS/burst can only be set
// through a configuration file, written here.
func (cp *controlPlane) startScheduler(r *runner) (*proc, error) {
	o := cp.o
	cfgPath := filepath.Join(o.stateDir, "kube-scheduler.yaml")
	cfg := fmt.Sprintf(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %q
  qps: %s
  burst: %s
leaderElection:
  leaderElect: false
`, cp.schedKC, clientQPS, clientBurst)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	return r.start("kube-scheduler", stopWithClients, filepath.Join(o.binDir(), "kube-scheduler"), []string{
		"--config=" + cfgPath,
		"--authentication-kubeconfig=" + cp.schedKC,
		"--authorization-kubeconfig=" + cp.schedKC,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(o.schedulerPort),
		"--cert-dir=" + filepath.Join(o.stateDir, "pki", "scheduler-serving"),
		"--profiling=false",
	}, nil)
}

// waitHealthz waits for a component's /healthz on its secure port. The
// component serves a self-signed certificate, hence no verification; /healthz
// needs no credentials.
func waitHealthz(ctx context.Context, p *proc, port int) error {
	c := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // local self-signed health endpoint
	}
	url := fmt.Sprintf("https://127.0.0.1:%d/healthz", port)
	return waitUntil(ctx, p, p.Name+" to be healthy", 120*time.Second, func() error {
		body, err := httpGet(c, url)
		if err != nil {
			return err
		}
		if strings.TrimSpace(body) != "ok" {
			return fmt.Errorf("%s: %s", url, body)
		}
		return nil
	})
}

// httpGet returns the body of a 200 response, or an error.
func httpGet(c *http.Client, url string) (string, error) {
	if c == http.DefaultClient {
		c = &http.Client{Timeout: 2 * time.Second}
	}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return string(body), nil
}
