package convert

import (
	"fmt"

	"sigs.k8s.io/yaml"
)

// kayentaConfig is a Kayenta canary config: the metrics to compare and how to
// score them. Kayenta keeps it in its own storage; convert reads it from a
// file (--kayenta-config), as `GET /canaryConfig/{id}` returns it. Fields
// convert maps are typed; the rest are kept to be named when dropped.
type kayentaConfig struct {
	Name       string            `json:"name"`
	Judge      map[string]any    `json:"judge"`
	Metrics    []kayentaMetric   `json:"metrics"`
	Templates  map[string]string `json:"templates"`
	Classifier struct {
		GroupWeights    map[string]float64 `json:"groupWeights"`
		ScoreThresholds *struct {
			Pass     float64 `json:"pass"`
			Marginal float64 `json:"marginal"`
		} `json:"scoreThresholds"`
	} `json:"classifier"`
	file string
}

// kayentaMetric is one metric of a canary config.
type kayentaMetric struct {
	Name                   string         `json:"name"`
	Query                  map[string]any `json:"query"`
	Groups                 []string       `json:"groups"`
	ScopeName              string         `json:"scopeName"`
	AnalysisConfigurations struct {
		Canary map[string]any `json:"canary"`
	} `json:"analysisConfigurations"`
}

// KayentaConfig reads Kayenta canary configs (JSON or YAML, several documents
// allowed) for the Argo AnalysisTemplates with provider.kayenta that follow:
// each such metric becomes a judge built from the config its
// canaryConfigName names. Call it before File.
func (c *Converter) KayentaConfig(file string, raw []byte) error {
	return eachDocument(file, raw, func(where string, doc []byte) error {
		var cfg kayentaConfig
		if err := yaml.Unmarshal(doc, &cfg); err != nil {
			return fmt.Errorf("%s: not a Kayenta canary config: %v", where, yamlError(err))
		}
		if len(cfg.Metrics) == 0 {
			return fmt.Errorf("%s: not a Kayenta canary config: it has no metrics", where)
		}
		if c.kayenta == nil {
			c.kayenta = map[string]*kayentaConfig{}
		}
		if prev, dup := c.kayenta[cfg.Name]; dup {
			return fmt.Errorf("%s: Kayenta canary config %q is also in %s", where, cfg.Name, prev.file)
		}
		cfg.file = where
		c.kayenta[cfg.Name] = &cfg
		return nil
	})
}

// kayentaConfigFor finds the config a kayenta provider names: by name, or the
// only one given when it has no name.
func (c *Converter) kayentaConfigFor(name string) (*kayentaConfig, bool) {
	if cfg, ok := c.kayenta[name]; ok {
		return cfg, true
	}
	if cfg, ok := c.kayenta[""]; ok && len(c.kayenta) == 1 {
		return cfg, true
	}
	return nil, false
}
