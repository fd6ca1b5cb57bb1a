package config

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// decodeStrict reads a key's YAML value into out; an unknown field is an
// error, so a misspelt setting is reported rather than ignored.
func decodeStrict(value string, out any) error {
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("is empty")
	}
	if err := yaml.UnmarshalStrict([]byte(value), out); err != nil {
		return fmt.Errorf("is not valid: %s", oneLine(err))
	}
	return nil
}

// oneLine flattens an error: problems go into log lines and Events.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
