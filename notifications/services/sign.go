package services

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// SignatureHeader carries a webhook body's signature when the webhook has an
// hmacSecret: "sha256=" and the hex HMAC-SHA256 of the body under that
// secret. A receiver recomputes it over the bytes it received and compares
// in constant time (docs/notifications.md, "Receiving webhooks").
const SignatureHeader = "X-Sluice-Signature"

// Sign is the SignatureHeader value for body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
