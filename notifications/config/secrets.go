package config

import (
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// secretRef matches $$ (a literal dollar), ${key}, or $key where key is a
// Secret key's characters ending in a letter, digit or underscore (so the
// dot in "$token." ends a sentence, not the key).
var secretRef = regexp.MustCompile(`\$\$|\$\{([-._a-zA-Z0-9]+)\}|\$([-._a-zA-Z0-9]*[_a-zA-Z0-9])`)

// secretValues resolves $key references against the Secret. It remembers
// every key it could not find, so a service names all of them at once.
type secretValues struct {
	secret  *corev1.Secret
	missing []string
}

// expand replaces the references in one value.
func (s *secretValues) expand(value string) string {
	return secretRef.ReplaceAllStringFunc(value, func(ref string) string {
		if ref == "$$" {
			return "$"
		}
		parts := secretRef.FindStringSubmatch(ref)
		key := parts[1] + parts[2]
		if s.secret != nil {
			if data, ok := s.secret.Data[key]; ok {
				return string(data)
			}
			if data, ok := s.secret.StringData[key]; ok {
				return data
			}
		}
		s.missing = append(s.missing, key)
		return ""
	})
}

// err names the missing keys, or is nil.
func (s *secretValues) err() error {
	if len(s.missing) == 0 {
		return nil
	}
	if s.secret == nil {
		return fmt.Errorf("refers to %s but there is no Secret %s", dollar(s.missing), SecretName)
	}
	return fmt.Errorf("refers to %s, not a key of Secret %s", dollar(s.missing), SecretName)
}

func dollar(keys []string) string {
	out := make([]string, len(keys))
	for i, key := range keys {
		out[i] = "$" + key
	}
	return strings.Join(out, ", ")
}
