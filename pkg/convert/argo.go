package convert

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sluice-dev/sluice/pkg/internal/fieldpath"
)

// convertArgo changes an Argo Rollouts object into the sluice one, dropping (with
// a warning) every field sluice does not have.
func (c *Converter) convertArgo(where string, obj map[string]any) error {
	obj["apiVersion"] = sluiceAPIVersion
	prefix := fmt.Sprintf("%s %s/%s", where, obj["kind"], objectName(obj))
	warn := func(path string) {
		c.warnings = append(c.warnings, fmt.Sprintf("%s: field %s is not supported by sluice and was dropped", prefix, path))
	}
	note := func(msg string) { c.warnings = append(c.warnings, prefix+": "+msg) }
	if obj["kind"] == "Rollout" {
		convertGatewayAPIPlugin(obj, warn)
		convertExperimentSteps(obj, note)
		convertNotificationAnnotations(obj, note)
	} else if err := c.convertKayentaMetrics(obj, note); err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	// Remove the unknown fields one at a time: removing one can prune an empty
	// parent (a step, say), which changes the paths of the others.
	for round := 0; ; round++ {
		raw, err := json.Marshal(obj)
		if err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		_, _, err = c.strict.Decode(raw, nil, nil)
		if err == nil {
			break
		}
		strictErr, ok := runtime.AsStrictDecodingError(err)
		if !ok || round > 1000 {
			return fmt.Errorf("%s: %v", where, err)
		}
		path, ok := unknownFieldPath(strictErr.Errors())
		if !ok {
			return fmt.Errorf("%s: %v", where, err)
		}
		if !fieldpath.Remove(obj, path) {
			return fmt.Errorf("%s: field %s is not supported by sluice and could not be removed", where, path)
		}
		warn(path)
	}
	if obj["kind"] != "Rollout" {
		c.warnChangedMetricRules(prefix, obj)
	}
	return c.emitObject(where, obj, "")
}

var unknownFieldRE = regexp.MustCompile(`^unknown field "(.+)"$`)

// unknownFieldPath is the path of the first unknown field among strict decoding
// errors; false when one of them is another kind of error (a duplicate field).
func unknownFieldPath(errs []error) (string, bool) {
	for _, e := range errs {
		m := unknownFieldRE.FindStringSubmatch(e.Error())
		if m == nil {
			return "", false
		}
		return m[1], true
	}
	return "", false
}

// convertGatewayAPIPlugin moves the configuration of Argo's Gateway API plugin to
// sluice's built-in gatewayAPI router and drops every other traffic router plugin,
// each with a warning.
func convertGatewayAPIPlugin(obj map[string]any, warn func(string)) {
	base := "spec.strategy.canary.trafficRouting"
	tr, ok := fieldpath.Lookup(obj, base).(map[string]any)
	if !ok {
		return
	}
	plugins, ok := tr["plugins"].(map[string]any)
	if !ok {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(plugins)) {
		if name != argoGatewayAPIPlugin {
			warn(fmt.Sprintf("%s.plugins[%q]", base, name))
			delete(plugins, name)
		}
	}
	config, ok := plugins[argoGatewayAPIPlugin].(map[string]any)
	if !ok {
		return
	}
	gw := map[string]any{}
	for key, value := range config {
		switch key {
		case "httpRoute", "namespace":
			gw[key] = value
		case "httpRoutes":
			routes, _ := value.([]any)
			var names []any
			for i, r := range routes {
				route, _ := r.(map[string]any)
				for k := range route {
					if k != "name" {
						warn(fmt.Sprintf("%s.plugins[%q].httpRoutes[%d].%s", base, argoGatewayAPIPlugin, i, k))
					}
				}
				if name, ok := route["name"]; ok {
					names = append(names, map[string]any{"name": name})
				}
			}
			if len(names) > 0 {
				gw["httpRoutes"] = names
			}
		default:
			warn(fmt.Sprintf("%s.plugins[%q].%s", base, argoGatewayAPIPlugin, key))
		}
	}
	tr["gatewayAPI"] = gw
	delete(plugins, argoGatewayAPIPlugin)
	if len(plugins) == 0 {
		delete(tr, "plugins")
	}
}
