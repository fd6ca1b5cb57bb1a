package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The cluster's PKI is generated in Go on every `up` so that the harness
// needs no openssl or cfssl, and every cluster starts with fresh keys. ECDSA
// P-256 keys are used throughout: generating them takes microseconds.

// certAuthority is a CA that can sign leaf certificates.
type certAuthority struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// pki holds the paths of the files written by writePKI.
type pki struct {
	dir string
}

func (p pki) path(name string) string { return filepath.Join(p.dir, name) }

// clientCert describes a client certificate: its Kubernetes user (CN) and
// groups (O).
type clientCert struct {
	file   string
	user   string
	groups []string
}

// writePKI creates, in dir:
//
//	ca.crt/.key                      cluster CA (clients and serving certs)
//	apiserver.crt/.key               kube-apiserver serving cert for 127.0.0.1/localhost
//	admin.crt/.key                   kubernetes-admin in system:masters (tests, kwok, kubectl)
//	controller-manager.crt/.key      system:kube-controller-manager
//	scheduler.crt/.key               system:kube-scheduler
//	apiserver-kubelet-client.crt/.key  API server -> kubelet client (unused by KWOK, but expected)
//	front-proxy-ca.crt/.key          CA for the aggregation layer's request-header auth
//	front-proxy-client.crt/.key      the API server's front-proxy client cert
//	sa.key/sa.pub                    service-account token signing key pair
func writePKI(dir string, serviceIP net.IP) (pki, error) {
	p := pki{dir: dir}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return p, err
	}
	ca, err := newCA("sluice-test-cluster-ca")
	if err != nil {
		return p, err
	}
	if err := ca.write(p.path("ca")); err != nil {
		return p, err
	}
	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{
			"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local",
		},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), serviceIP},
	}
	if err := ca.issue(serving, p.path("apiserver")); err != nil {
		return p, err
	}
	for _, c := range []clientCert{
		{"admin", "kubernetes-admin", []string{"system:masters"}},
		{"controller-manager", "system:kube-controller-manager", nil},
		{"scheduler", "system:kube-scheduler", nil},
		{"apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}},
	} {
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: c.user, Organization: c.groups},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		if err := ca.issue(tmpl, p.path(c.file)); err != nil {
			return p, err
		}
	}

	frontProxyCA, err := newCA("sluice-test-cluster-front-proxy-ca")
	if err != nil {
		return p, err
	}
	if err := frontProxyCA.write(p.path("front-proxy-ca")); err != nil {
		return p, err
	}
	if err := frontProxyCA.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "front-proxy-client"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, p.path("front-proxy-client")); err != nil {
		return p, err
	}

	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return p, err
	}
	if err := writeKey(p.path("sa.key"), saKey); err != nil {
		return p, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return p, err
	}
	return p, writePEM(p.path("sa.pub"), "PUBLIC KEY", pub, 0o644)
}

func newCA(name string) (*certAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create CA %s: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &certAuthority{cert: cert, key: key}, nil
}

// write stores the CA as base.crt and base.key.
func (ca *certAuthority) write(base string) error {
	if err := writePEM(base+".crt", "CERTIFICATE", ca.cert.Raw, 0o644); err != nil {
		return err
	}
	return writeKey(base+".key", ca.key)
}

// issue signs a new key pair for tmpl and stores it as base.crt and base.key.
func (ca *certAuthority) issue(tmpl *x509.Certificate, base string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl.SerialNumber = serial()
	tmpl.NotBefore = now.Add(-time.Hour)
	tmpl.NotAfter = now.AddDate(1, 0, 0)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return fmt.Errorf("sign %s: %w", filepath.Base(base), err)
	}
	if err := writePEM(base+".crt", "CERTIFICATE", der, 0o644); err != nil {
		return err
	}
	return writeKey(base+".key", key)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err)
	}
	return n
}

func writeKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, "PRIVATE KEY", der, 0o600)
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}
