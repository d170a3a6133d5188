package main

// wss://: -tls wraps every connection in TLS before the upgrade (crypto/tls; the bench's
// servers use a self-signed certificate, so the client does not verify it: the load is only
// ever sent to 127.0.0.1). -mode cert writes that certificate: `npm run bench` makes one per
// run with the load generator itself, so nothing but Go is needed (no openssl).

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"
)

var (
	useTLS   bool
	certPath string
	keyPath  string
)

func init() {
	flag.BoolVar(&useTLS, "tls", false, "wss://: TLS on every connection (the server's certificate is not verified)")
	flag.StringVar(&certPath, "cert", "", "-mode cert: where the self-signed certificate (PEM) goes")
	flag.StringVar(&keyPath, "key", "", "-mode cert: where its private key (PEM, PKCS #8) goes")
}

// tlsClient runs the TLS handshake on a connected socket within timeout.
func tlsClient(c net.Conn, timeout time.Duration) (net.Conn, error) {
	t := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}) // #nosec: a bench on loopback
	_ = t.SetDeadline(time.Now().Add(timeout))
	if err := t.Handshake(); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	_ = t.SetDeadline(time.Time{})
	return t, nil
}

// selfSigned is a P-256 certificate for localhost and 127.0.0.1, valid for two days, and its key, in PEM.
func selfSigned() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "volley bench"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), nil
}

// writeCert is -mode cert: the certificate to -cert, the key to -key (mode 0600).
func writeCert() error {
	if certPath == "" || keyPath == "" {
		return fmt.Errorf("-mode cert needs -cert FILE and -key FILE")
	}
	c, k, err := selfSigned()
	if err != nil {
		return err
	}
	if err := os.WriteFile(certPath, c, 0o644); err != nil {
		return err
	}
	return os.WriteFile(keyPath, k, 0o600)
}
